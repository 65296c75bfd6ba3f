# Tier 4 sandbox image (wrangler.jsonc "containers"). The base image runs the
# @cloudflare/sandbox control server; its version must match the npm package.
FROM docker.io/cloudflare/sandbox:0.12.10

# What the agent's shell can use. Add compilers and tools here: a missing
# binary makes run_shell tell the model to ask the owner to extend this image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git make python3 python3-pip ripgrep jq \
 && rm -rf /var/lib/apt/lists/*

# Commands run in /workspace, which the agent mirrors from the user's workspace.
RUN mkdir -p /workspace /var/lib/steward-jobs
WORKDIR /workspace
