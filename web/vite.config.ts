import { cpSync, mkdirSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

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

export default defineConfig({
  plugins: [vue(), swaggerUi()],
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
