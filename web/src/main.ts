import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage } from 'element-plus'
// Components come on demand (vite.config.ts); the services called from scripts need their styles here.
import 'element-plus/theme-chalk/base.css'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import 'element-plus/es/components/loading/style/css'
import './styles/global.css'
import './styles/a11y.css'
import '@/composables/useReadingPrefs'
import App from './App.vue'
import { router } from './router'
import { useAuthStore } from './stores/auth'
import { useVocabularyStore } from './stores/vocabulary'

const app = createApp(App)
app.use(createPinia())
app.use(router)
// Labels come from the API, once; pages render at once and show raw values until they arrive.
void useVocabularyStore().load()

useAuthStore().setSessionExpiredHandler(() => {
  ElMessage.warning('登录已过期，请重新登录')
  const current = router.currentRoute.value
  if (current.matched.some((r) => r.meta.requiresAuth)) {
    void router.push({ name: 'login', query: { redirect: current.fullPath } })
  }
})

app.mount('#app')
