import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

const backend = 'http://127.0.0.1:3456';

export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: {
    outDir: '../termbeam_py/static',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/ws': { target: backend, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
