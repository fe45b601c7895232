import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface Props {
  title: string;
  /** Unix seconds, and the values at those times (null: no figure then). */
  times: number[];
  values: (number | null)[];
  format: (value: number) => string;
}

/** One live series as a uPlot chart (small, canvas-drawn, made for streaming time series). */
export function LineChart({ title, times, values, format }: Props) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const target = element.current as HTMLDivElement;
    chart.current = new uPlot(
      {
        width: 360,
        height: 160,
        legend: { show: false },
        series: [{}, { label: title, stroke: '#2563eb', width: 1.5, spanGaps: true }],
        axes: [{}, { values: (_plot, ticks) => ticks.map(format), size: 70 }],
      },
      [[], []],
      target,
    );
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => chart.current?.setData([times, values]), [times, values]);
  const last = values[values.length - 1];
  return (
    <figure class="chart" data-chart={title}>
      <figcaption>
        {title}: <b data-testid="latest">{last === null || last === undefined ? '–' : format(last)}</b>
      </figcaption>
      <div ref={element} />
    </figure>
  );
}
