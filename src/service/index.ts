export { createService } from './service.ts';
export type { Service, ServiceEvents, ServiceOptions } from './service.ts';
export { CallError, createClient } from './client.ts';
export type { CallErrorCode, CallOptions, Client, ClientOptions } from './client.ts';
export type { Handler, HandlerContext, HandlerMethod } from './server.ts';
export { consulRegistry, createRegistry, etcdRegistry, mdnsRegistry, memoryRegistry, registryKinds, registrySpec } from './registry/index.ts';
export type {
  ConsulRegistryOptions,
  EtcdRegistryOptions,
  MdnsRegistryOptions,
  Registry,
  RegistryKind,
  RegistrySpec,
  ServiceNode,
} from './registry/index.ts';
