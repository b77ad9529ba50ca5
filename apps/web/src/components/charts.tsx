import '@mantine/charts/styles.css';
import type { TDashboard, TPublicMonth, TResponseTimes } from '@hoptrace/contracts';
import { BarChart, LineChart } from '@mantine/charts';
import { Table, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatLocalDate, responseScale } from '../lib/time';

/**
 * The charts, in their own chunk (recharts is most of its weight): pages show
 * their numbers first and draw the pictures when this arrives. Each chart has
 * its data as a table for screen readers.
 */
/**
 * The drawing is hidden from assistive technology (the table says it all), so nothing in it may take
 * focus: recharts 3 makes the SVG a focusable "accessibility layer" unless told not to.
 */
const NOT_FOCUSABLE = { accessibilityLayer: false } as const;

function ChartWithTable(props: {
  caption: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  children: ReactNode;
}) {
  return (
    <figure style={{ margin: 0 }}>
      <div aria-hidden="true">{props.children}</div>
      <VisuallyHidden>
        <Table>
          <caption>{props.caption}</caption>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <td key={j}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </Table>
      </VisuallyHidden>
    </figure>
  );
}

export function OpenedClosedChart({ perWeek }: { perWeek: TDashboard['perWeek'] }) {
  return (
    <ChartWithTable
      caption="Tracebacks opened and closed per week"
      columns={['Week of', 'Opened', 'Closed']}
      rows={perWeek.map((w) => [formatLocalDate(w.weekStart), w.opened, w.closed])}
    >
      <BarChart
        barChartProps={NOT_FOCUSABLE}
        h={240}
        data={perWeek.map((w) => ({
          week: formatLocalDate(w.weekStart),
          Opened: w.opened,
          Closed: w.closed,
        }))}
        dataKey="week"
        series={[
          { name: 'Opened', color: 'blue.8' },
          { name: 'Closed', color: 'teal.8' },
        ]}
        withLegend
        tickLine="y"
        gridAxis="y"
        yAxisProps={{ allowDecimals: false }}
      />
    </ChartWithTable>
  );
}

export function ResponseTimeChart({ perWeek }: { perWeek: TResponseTimes['perWeek'] }) {
  // Answers within minutes would be bars of height zero on an hours axis: such a provider's chart was empty.
  const scale = responseScale(perWeek.map((w) => w.medianHours));
  const series = `Median ${scale.unit === 'min' ? 'minutes' : 'hours'} to answer`;
  return (
    <ChartWithTable
      caption={`${series}, from receipt, per week`}
      columns={['Week of', 'Requests', 'Answered', series]}
      rows={perWeek.map((w, i) => [
        formatLocalDate(w.weekStart),
        w.requested,
        w.answered,
        scale.values[i] ?? '—',
      ])}
    >
      <BarChart
        barChartProps={NOT_FOCUSABLE}
        h={200}
        data={perWeek.map((w, i) => ({ week: formatLocalDate(w.weekStart), [series]: scale.values[i] }))}
        dataKey="week"
        series={[{ name: series, color: 'blue.8' }]}
        // A week answered within the minute still shows a sliver; a week with no answer shows nothing.
        barProps={{ minPointSize: 2 }}
        yAxisProps={{ domain: [0, scale.max], allowDecimals: false }}
        unit={` ${scale.unit}`}
        referenceLines={
          scale.deadline === null ? [] : [{ y: scale.deadline, label: '24 h deadline', color: 'red.8' }]
        }
        gridAxis="y"
        tickLine="y"
        data-testid="response-time-chart"
        data-unit={scale.unit}
      />
    </ChartWithTable>
  );
}

const percent = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

/** Public statistics: tracebacks, and providers identified and non-responsive, per month. */
export function MonthlyTracebacksChart({ months }: { months: TPublicMonth[] }) {
  return (
    <ChartWithTable
      caption="Tracebacks and providers per month"
      columns={['Month', 'Tracebacks', 'Providers identified', 'Non-responsive providers']}
      rows={months.map((m) => [m.month, m.tracebacks, m.providersIdentified, m.nonResponsiveProviders])}
    >
      <BarChart
        barChartProps={NOT_FOCUSABLE}
        h={260}
        data={months.map((m) => ({
          month: m.month,
          Tracebacks: m.tracebacks,
          'Providers identified': m.providersIdentified,
          'Non-responsive providers': m.nonResponsiveProviders,
        }))}
        dataKey="month"
        series={[
          { name: 'Tracebacks', color: 'blue.8' },
          { name: 'Providers identified', color: 'teal.8' },
          { name: 'Non-responsive providers', color: 'red.8' },
        ]}
        withLegend
        tickLine="y"
        gridAxis="y"
        yAxisProps={{ allowDecimals: false }}
      />
    </ChartWithTable>
  );
}

/** Public statistics: the shares of callers warned or terminated and of foreign origin, per month. */
export function MonthlySharesChart({ months }: { months: TPublicMonth[] }) {
  return (
    <ChartWithTable
      caption="Shares per month, in percent"
      columns={['Month', 'Callers warned or terminated %', 'Foreign origin %']}
      rows={months.map((m) => [
        m.month,
        percent(m.callerWarnedOrTerminatedShare) ?? '—',
        percent(m.foreignOriginShare) ?? '—',
      ])}
    >
      <LineChart
        lineChartProps={NOT_FOCUSABLE}
        h={220}
        data={months.map((m) => ({
          month: m.month,
          'Callers warned or terminated %': percent(m.callerWarnedOrTerminatedShare),
          'Foreign origin %': percent(m.foreignOriginShare),
        }))}
        dataKey="month"
        series={[
          { name: 'Callers warned or terminated %', color: 'teal.8' },
          { name: 'Foreign origin %', color: 'orange.8' },
        ]}
        withLegend
        connectNulls
        tickLine="y"
        gridAxis="y"
        yAxisProps={{ domain: [0, 100] }}
      />
    </ChartWithTable>
  );
}

/** The UTC day `daysAgo` before today, as the API counts a campaign's daily volume. */
function utcDay(daysAgo: number, now = Date.now()): string {
  return new Date(now - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A small line of counts (oldest first), drawn as plain SVG so a table of fifty rows stays cheap;
 * its label says what it shows for screen readers.
 */
export function Sparkline({
  values,
  label,
  width = 96,
  height = 24,
}: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const y = (v: number) => height - 1 - (v / max) * (height - 2);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      data-testid="sparkline"
      style={{ display: 'block', overflow: 'visible' }}
    >
      <polyline
        points={`0,${height} ${points} ${((values.length - 1) * step).toFixed(1)},${height}`}
        fill="var(--mantine-color-blue-1)"
        stroke="none"
      />
      <polyline points={points} fill="none" stroke="var(--mantine-color-blue-8)" strokeWidth={1.5} />
    </svg>
  );
}

/** Calls a day over the last 30 days (oldest first), as bars. */
export function DailyVolumeChart({ dailyVolume }: { dailyVolume: number[] }) {
  const now = Date.now();
  const days = dailyVolume.map((calls, i) => ({ day: utcDay(dailyVolume.length - 1 - i, now), calls }));
  return (
    <ChartWithTable
      caption="Calls a day over the last 30 days (UTC days)"
      columns={['Day', 'Calls']}
      rows={days.map((d) => [d.day, d.calls])}
    >
      <BarChart
        barChartProps={NOT_FOCUSABLE}
        h={200}
        data={days.map((d) => ({ day: d.day.slice(5), Calls: d.calls }))}
        dataKey="day"
        series={[{ name: 'Calls', color: 'blue.8' }]}
        tickLine="y"
        gridAxis="y"
        yAxisProps={{ allowDecimals: false }}
      />
    </ChartWithTable>
  );
}
