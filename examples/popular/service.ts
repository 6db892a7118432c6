// Runs the Popular service until interrupted:  npm run example:service
// Then call it from another terminal:          npm run example:client
import { fileURLToPath } from 'node:url';
import { popularConfig, popularService } from './popular.ts';

const file = process.env.POPULAR_CONFIG ?? fileURLToPath(new URL('config.yaml', import.meta.url));
const config = await popularConfig(file);
const service = popularService(config);
service.on('registered', (registry, node) => console.log(`registered in ${registry} at ${node.address}`));
service.on('deregistered', (registry) => console.log(`deregistered from ${registry}`));
service.on('error', (error) => console.error(`error: ${error.message}`));
config.on('error', (error) => console.error(`config error: ${error.message}`));
config.watch('handlers.popular.greeting').on('change', (value) => console.log(`greeting is now "${value.string()}"`));
try {
  await service.start();
} catch (error) {
  // A registry that cannot be reached, or a bad address: one line, not a stack trace.
  console.error(`popular: ${(error as Error).message}`);
  await config.close();
  process.exit(1);
}

const shutdown = async () => {
  await service.stop();
  await config.close();
  console.log('stopped');
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
