import type { LanguageModelV4, LanguageModelV4StreamPart, LanguageModelV4Usage } from "@ai-sdk/provider";

/** Where a model call's tokens go (the user's Assistant, src/limits/usage.ts). */
export type TokenSink = (tokens: number) => Promise<void> | void;

/**
 * The configured model, with every call's token usage reported to `sink`
 * when the provider's stream finishes. Only the real model is wrapped (the
 * slash-command model in front of it never calls it for a command), so
 * commands spend nothing. The finish part waits for the sink, so the total
 * is recorded before the turn ends; a sink that fails is logged, never
 * allowed to break the answer.
 */
export function meteredModel(model: LanguageModelV4, sink: TokenSink): LanguageModelV4 {
  const report = async (usage: LanguageModelV4Usage | undefined) => {
    try {
      await sink(tokensOf(usage));
    } catch (error) {
      console.error("[steward] could not record model tokens", error);
    }
  };
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    async doGenerate(options) {
      const result = await model.doGenerate(options);
      await report(result.usage);
      return result;
    },
    async doStream(options) {
      const result = await model.doStream(options);
      const stream = result.stream.pipeThrough(
        new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
          async transform(part, controller) {
            if (part.type === "finish") await report(part.usage);
            controller.enqueue(part);
          }
        })
      );
      return { ...result, stream };
    }
  };
}

export function tokensOf(usage: LanguageModelV4Usage | undefined): number {
  return (usage?.inputTokens.total ?? 0) + (usage?.outputTokens.total ?? 0);
}
