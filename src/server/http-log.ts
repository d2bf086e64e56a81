// fastify's request log lines, one level down: a line per scrape at info says nothing and fills the
// journal, so requests, 404s and 4xx go to debug; 5xx and stream errors stay at error/warn.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class HttpLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, _request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug(`route ${request.raw.method}:${request.raw.url} not found`);
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, error.message);
    else reply.log.debug({ res: reply, err: error }, error.message);
  }
}
