# Thresher in a container. Build: docker build -t thresher .
# Run:   docker run -d --name thresher -p 127.0.0.1:11332:11332 thresher
# Publish the port only where the MTA can reach it: the milter port has no authentication.

# --- build: all dependencies, compile TypeScript to dist/ ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Sources are not here yet, so skip the prepare script; the build runs below.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY protocol ./protocol
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and dist/ only ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
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
