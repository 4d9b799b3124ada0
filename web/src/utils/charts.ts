// ECharts from echarts/core with only the charts and components the radar, visit and performance pages
// draw, so a page imports this module (on demand, with its route) instead of the whole library.
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export type Chart = echarts.ECharts
export type ChartOption = echarts.EChartsCoreOption

/** Draw `option` into `el`, replacing a chart drawn there before. */
export function draw(el: HTMLElement, option: ChartOption): Chart {
  echarts.getInstanceByDom(el)?.dispose()
  const chart = echarts.init(el)
  chart.setOption(option)
  return chart
}
