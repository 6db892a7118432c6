// The Popular service: `Ping` answers its greeting (an option, `handlers.popular.greeting`) and the caller's name.
import { createConfig, envSource, fileSource, flagsSource, type Config } from 'microconf';
import { createService, type Service } from 'microconf/service';

/** The service's configuration: defaults < config file < MICRO_* environment < flags. */
export function popularConfig(file: string, argv: string[] = process.argv.slice(2)): Promise<Config> {
  return createConfig({
    defaults: { registry: 'mdns', handlers: { popular: { greeting: 'Ping' } } },
    sources: [fileSource(file), envSource({ strippedPrefix: 'MICRO' }), flagsSource({ argv })],
  });
}

/** The Popular service on a config. */
export function popularService(config: Config): Service {
  return createService({ name: 'popular', version: '1.0.0', config }).handle('Popular', {
    async ping(request, ctx) {
      const { name = 'stranger' } = (request ?? {}) as { name?: string };
      return { message: `${ctx.options.get('greeting').string('Ping')} ${name}` };
    },
  });
}
