export { createService } from './service.ts';
export type { HandlerOptions, Service, ServiceEvents, ServiceOptions } from './service.ts';
export { CallError, createClient } from './client.ts';
export type { CallErrorCode, CallErrorDetails, CallOptions, Client, ClientOptions } from './client.ts';
export { errors, HandlerError, ServiceError } from './errors.ts';
export type { ErrorBody } from './errors.ts';
export type { Handler, HandlerContext, HandlerMethod } from './server.ts';
export {
  consulRegistry,
  createRegistry,
  etcdRegistry,
  mdnsRegistry,
  memoryRegistry,
  RegistryError,
  registryKinds,
  registrySpec,
} from './registry/index.ts';
export type {
  ConsulRegistryOptions,
  EtcdRegistryOptions,
  MdnsRegistryOptions,
  Registry,
  RegistryErrorCode,
  RegistryKind,
  RegistrySpec,
  ServiceNode,
} from './registry/index.ts';
