import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/api/routes";

describe("the task API's OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document, generated from the schemas that validate requests", async () => {
    const doc = openApiDocument() as unknown as Record<string, unknown>;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths).sort()).toEqual(["/api/health", "/api/tasks", "/api/tasks/{id}", "/api/tasks/{id}/events"]);
    expect(Object.keys(paths["/api/tasks/{id}"] ?? {}).sort()).toEqual(["delete", "get"]);
    const schemas = (doc.components as { schemas: Record<string, { required?: string[] }> }).schemas;
    expect(schemas.TaskInput?.required).toEqual(["prompt"]);
  });
});
