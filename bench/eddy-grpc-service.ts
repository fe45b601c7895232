import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_OPTIONS, PROTO_PATH } from '../src/protocols/grpc/grpc-listener.js';

/** Service eddy.v1.Eddy of proto/eddy.proto, loaded with the options Eddy's own gRPC listener uses. */
export function eddyGrpcService(): ServiceDefinition {
  return loadSync(PROTO_PATH, PROTO_OPTIONS)['eddy.v1.Eddy'] as ServiceDefinition;
}
