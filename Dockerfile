# Thresher in a container. Build: docker build -t thresher .
# Run:   docker run -d --name thresher -p 127.0.0.1:11332:11332 -v thresher-data:/var/lib/thresher thresher
# Publish the port only where the MTA can reach it: the milter port has no authentication.

# --- build: the native SQLite addon, TypeScript to dist/, then production dependencies only ---
FROM node:20-bookworm-slim AS build
# better-sqlite3 (the Bayes store) is a native addon, compiled here from its bundled SQLite
# source against the image's own Node headers (/usr/local/include/node): no prebuilt binary and
# no header download, so the build needs only the Debian and npm registries. (npm warns that it
# does not know build-from-source: prebuild-install reads it from the environment.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_build_from_source=better-sqlite3 \
    npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies before sources, so a source change does not recompile SQLite. Scripts are
# skipped because the prepare script needs the sources; the addon's own build runs next.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY protocol ./protocol
COPY src ./src
# After pruning, the addon keeps only its compiled module: its SQLite source and object files
# (about 25 MB) are not needed to run.
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv better_sqlite3.node build/Release/

# --- runtime: dist/, production node_modules and package.json; no compiler ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The data directory (data_dir, the Bayes tokens), owned by the runtime user. Created before
# VOLUME so a new volume starts with this owner; a bind mount must be writable by uid 1000.
RUN mkdir -p /var/lib/thresher && chown node:node /var/lib/thresher && chmod 0750 /var/lib/thresher
VOLUME /var/lib/thresher
USER node
EXPOSE 11332
# No curl in the slim image: node opens a TCP connection to the listener.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const s=require('net').connect(11332,'127.0.0.1',()=>{s.destroy();process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),4000)"]
# SIGTERM (docker stop) shuts down gracefully; docker's default 10 s stop timeout equals
# limits.shutdown_grace_seconds, so use `docker stop -t 20` or lower the grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli/main.js"]
# Inside a container loopback is unreachable from the MTA: listen on all interfaces.
CMD ["serve", "--listen", "inet:0.0.0.0:11332"]
