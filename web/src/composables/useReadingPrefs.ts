// Reading preferences of the 无障碍 toolbar: font size 小/中/大, high contrast and 长者模式 (larger type
// and spacing, high contrast, a simplified layout). Kept per browser in localStorage and applied as
// classes on <html>, so every page and layout follows them; the stylesheet is styles/a11y.css.
import { reactive, watch } from 'vue'

export type FontSize = 'small' | 'medium' | 'large'

interface Prefs {
  fontSize: FontSize
  contrast: boolean
  elder: boolean
}

const KEY = 'portal.reading-prefs'
const DEFAULTS: Prefs = { fontSize: 'medium', contrast: false, elder: false }

function load(): Prefs {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>
    return {
      fontSize: raw.fontSize === 'small' || raw.fontSize === 'large' ? raw.fontSize : 'medium',
      contrast: raw.contrast === true,
      elder: raw.elder === true,
    }
  } catch {
    return { ...DEFAULTS }
  }
}

const prefs = reactive<Prefs>(load())

function apply(): void {
  const root = document.documentElement.classList
  root.toggle('font-small', prefs.fontSize === 'small')
  root.toggle('font-large', prefs.fontSize === 'large')
  root.toggle('high-contrast', prefs.contrast || prefs.elder)
  root.toggle('elder-mode', prefs.elder)
}

apply()
watch(prefs, () => {
  apply()
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs))
  } catch {
    /* private mode: the choice lasts for this page only */
  }
})

export function useReadingPrefs(): { prefs: Prefs; reset: () => void } {
  return { prefs, reset: () => Object.assign(prefs, DEFAULTS) }
}
