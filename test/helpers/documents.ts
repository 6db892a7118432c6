/** Typical configuration YAML of about `size` characters: services with names, ports, flags, lists and limits. */
export function servicesYaml(size: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const part =
      `service_${i}:\n  name: service-${i}\n  port: ${8000 + (i % 1000)}\n  enabled: ${i % 2 === 0}\n  tags:\n    - alpha\n` +
      `    - beta-${i}\n  limits:\n    cpu: 0.${i % 10}\n    memory: ${i * 3}Mi\n    description: "a quoted string for ${i}"\n`;
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}
