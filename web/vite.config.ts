import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import { fileURLToPath, URL } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Swagger UI for /api/v1/docs, served from our own origin (no CDN, allowed by the Content-Security-Policy).
function swaggerUi(): Plugin {
  return {
    name: 'swagger-ui-dist',
    apply: 'build',
    closeBundle() {
      const to = fileURLToPath(new URL('./dist/swagger-ui/', import.meta.url))
      mkdirSync(to, { recursive: true })
      for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE']) {
        cpSync(fileURLToPath(new URL(`./node_modules/swagger-ui-dist/${file}`, import.meta.url)), to + file)
      }
    },
  }
}

// Pre-compressed copies (.br at quality 11, .gz at level 9) next to every text asset, written once at
// build time; api/spa.py serves the best one the browser accepts. Compressing per request would cost
// CPU on every hit and reach only the lower levels; these files never change after the build.
function precompress(): Plugin {
  const TEXT = /\.(js|mjs|css|html|svg|json|txt|map|ico|webmanifest)$/
  return {
    name: 'precompress',
    apply: 'build',
    enforce: 'post',
    closeBundle: {
      order: 'post',
      handler() {
        const walk = (dir: string): string[] =>
          readdirSync(dir).flatMap((name) => {
            const path = join(dir, name)
            return statSync(path).isDirectory() ? walk(path) : [path]
          })
        for (const file of walk(fileURLToPath(new URL('./dist/', import.meta.url)))) {
          if (!TEXT.test(file)) continue
          const body = readFileSync(file)
          if (body.length < 512) continue
          writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }))
          writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }))
        }
      },
    },
  }
}

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus on demand: each component (and its CSS) is imported where a template uses it.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
    swaggerUi(),
    precompress(),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', changeOrigin: true },
      '/.well-known': { target: 'http://127.0.0.1:8000', changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
})
