// Calls the Popular service found in the configured registry, once a second (or once with --once).
import { fileURLToPath } from 'node:url';
import { createConfig, envSource, fileSource } from 'microconf';
import { createClient } from 'microconf/service';

const file = process.env.POPULAR_CONFIG ?? fileURLToPath(new URL('config.yaml', import.meta.url));
const config = await createConfig({ sources: [fileSource(file), envSource({ strippedPrefix: 'MICRO' })] });
const client = createClient({ config });
const name = process.env.POPULAR_NAME ?? 'winyh';
let stopping = false;

const callOnce = async () => {
  try {
    const { message } = await client.call<{ message: string }>('popular', 'Popular.Ping', { name });
    console.log(message);
  } catch (error) {
    // Calls still waiting at Ctrl-C end with the client: that is the stop asked for, not a failure to report.
    if (!stopping) console.error(`call failed: ${(error as Error).message}`);
  }
};

if (process.argv.includes('--once')) {
  await callOnce();
  await client.close();
  await config.close();
} else {
  const timer = setInterval(() => void callOnce(), 1000);
  process.once('SIGINT', () => {
    stopping = true;
    clearInterval(timer);
    void client.close().then(() => config.close());
  });
}
