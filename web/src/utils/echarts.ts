// ECharts on demand: only the chart types and components our statistics pages draw (bar, line),
// instead of the whole library. A page needing another chart type registers it here.
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer])

export { echarts }
export type { ECharts } from 'echarts/core'
export type { EChartsOption } from 'echarts'
