import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponsesObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { BEARER_SCHEME } from '../auth/auth.constants';
import { ErrorResponseDto } from '../dto/error-response.dto';
import type { AppDescription } from './configure-app';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/**
 * Refusals configureApp's request checks answer before any controller sees the request, so no
 * decorator of the route says them: a body not in JSON on any route; a body over the route's limit
 * or not valid JSON on a route that takes one; and a bad query parameter where there are some.
 */
const NOT_JSON = 'The request carries a body that is not JSON (send Content-Type: application/json)';
const BODY_REFUSALS: Record<string, string> = {
  '400': 'The body is not valid JSON, or is not a valid request (each problem named)',
  '413': 'The body is over the size limit of its route',
};
const BAD_QUERY = 'A bad query parameter (each problem named)';

/**
 * Says in each operation what its decorators cannot: the refusals above, an empty security
 * requirement on a public route, and each path parameter's example on the parameter itself.
 */
function completeOperations(document: OpenAPIObject): void {
  const error = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } };
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation: OperationObject | undefined = path[method];
      if (!operation) continue;
      // PublicRoute's ApiSecurity({}) gives [{}]; [] says the same (no key) in the usual spelling.
      if (operation.security?.length === 1 && Object.keys(operation.security[0]).length === 0) operation.security = [];
      const responses: ResponsesObject = operation.responses;
      if (operation.requestBody)
        for (const [status, description] of Object.entries(BODY_REFUSALS))
          responses[status] ??= { description, content: error };
      for (const parameter of operation.parameters ?? []) {
        // ApiParam puts the example in the schema; tools such as dredd read it from the parameter.
        if ('in' in parameter && parameter.schema && 'example' in parameter.schema)
          parameter.example ??= parameter.schema.example;
      }
      if (operation.parameters?.some((parameter) => 'in' in parameter && parameter.in === 'query'))
        responses['400'] ??= { description: BAD_QUERY, content: error };
      responses['415'] ??= { description: NOT_JSON, content: error };
    }
  }
}

/**
 * An app's OpenAPI document, built from its controllers' decorators. It declares the bearer
 * scheme also under AUTH=off: it describes the API as deployed. The one server is the app that
 * serves the document, so Swagger UI's "Try it out" calls the app it was opened on.
 */
export function buildApiDocument(app: INestApplication, description: AppDescription): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(description.title)
    .setDescription(description.description)
    .setVersion('1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'The app serving this document')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'An API key of API_KEYS: `Authorization: Bearer <secret>`',
      },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] });
  completeOperations(document);
  return document;
}

/** Swagger UI at /docs, the document it shows at /docs-json. */
export function serveApiDocument(app: INestApplication, description: AppDescription): void {
  SwaggerModule.setup('docs', app, buildApiDocument(app, description), { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
