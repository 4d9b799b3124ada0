// Per-page <title>, share metadata (og:*, description) and the site-identity <meta> tags the national
// government-website checks read: SiteName, SiteDomain, SiteIDCode on every page, ColumnName for the
// column, and ArticleTitle, PubDate, ContentSource on an item's page.
import { PORTAL_NAME, SITE_NAME } from '@/labels'

export interface ArticleMeta {
  title: string
  pubDate?: string | null
  source?: string | null
  description?: string | null
}

let site: { name: string; domain: string; idCode: string } = { name: SITE_NAME, domain: '', idCode: '' }
let column = ''

function setMeta(attr: 'name' | 'property', key: string, value: string | null | undefined): void {
  let el = document.head.querySelector<HTMLMetaElement>(`meta[${attr}="${key}"]`)
  if (!value) {
    el?.remove()
    return
  }
  if (!el) {
    el = document.createElement('meta')
    el.setAttribute(attr, key)
    document.head.appendChild(el)
  }
  el.content = value
}

export function setSiteIdentity(name: string, domain: string, idCode: string): void {
  site = { name, domain, idCode }
  setMeta('name', 'SiteName', name)
  setMeta('name', 'SiteDomain', domain)
  setMeta('name', 'SiteIDCode', idCode)
  setMeta('property', 'og:site_name', `${name}${PORTAL_NAME}`)
}

/** A page's own title and column (every route change); clears the item tags of the page before. */
export function setPageMeta(title: string | undefined, columnName: string | undefined): void {
  column = columnName ?? title ?? ''
  const full = title ? `${title} - ${site.name}${PORTAL_NAME}` : `${site.name} ${PORTAL_NAME}`
  document.title = full
  setMeta('name', 'ColumnName', column)
  setMeta('property', 'og:title', title ?? `${site.name}${PORTAL_NAME}`)
  setMeta('property', 'og:type', 'website')
  setMeta('property', 'og:url', window.location.href)
  for (const key of ['ArticleTitle', 'PubDate', 'ContentSource', 'description']) setMeta('name', key, null)
}

/** An item's page (a disclosure, a service guide, a survey): its title is what a share shows. */
export function setArticleMeta(article: ArticleMeta): void {
  document.title = `${article.title} - ${column ? `${column} - ` : ''}${site.name}${PORTAL_NAME}`
  setMeta('name', 'ArticleTitle', article.title)
  setMeta('name', 'PubDate', article.pubDate ? article.pubDate.slice(0, 16).replace('T', ' ') : null)
  setMeta('name', 'ContentSource', article.source)
  setMeta('name', 'description', article.description ?? article.title)
  setMeta('property', 'og:title', article.title)
  setMeta('property', 'og:type', 'article')
  setMeta('property', 'og:description', article.description ?? article.title)
}
