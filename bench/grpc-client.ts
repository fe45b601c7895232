import { credentials, makeClientConstructor, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { eddyGrpcService } from './eddy-grpc-service.js';

/** A client of service eddy.v1.Eddy: one channel, on which gRPC multiplexes every call in flight. */
export class EddyGrpcClient {
  private readonly client: InstanceType<ServiceClientConstructor>;

  constructor(port: number) {
    const Client = makeClientConstructor(eddyGrpcService(), 'eddy.v1.Eddy');
    this.client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  }

  /** One unary call of `method` (`Get`, `Set`, ...); resolves to its response. */
  call(method: string, request: object): Promise<unknown> {
    return new Promise((resolve, reject) => this.client[method](request, (error: ServiceError | null, response: unknown) => (error ? reject(error) : resolve(response))));
  }

  close(): void {
    this.client.close();
  }
}
