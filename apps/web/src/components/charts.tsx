import '@mantine/charts/styles.css';
import type { TDashboard, TResponseTimes } from '@hoptrace/contracts';
import { BarChart } from '@mantine/charts';
import { Table, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatLocalDate } from '../lib/time';

/**
 * The charts, in their own chunk (recharts is most of its weight): pages show
 * their numbers first and draw the pictures when this arrives. Each chart has
 * its data as a table for screen readers.
 */
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
  return (
    <ChartWithTable
      caption="Median hours from receipt to answer, per week"
      columns={['Week of', 'Requests', 'Answered', 'Median hours']}
      rows={perWeek.map((w) => [formatLocalDate(w.weekStart), w.requested, w.answered, w.medianHours ?? '—'])}
    >
      <BarChart
        h={200}
        data={perWeek.map((w) => ({
          week: formatLocalDate(w.weekStart),
          'Median hours to answer': w.medianHours ?? 0,
        }))}
        dataKey="week"
        series={[{ name: 'Median hours to answer', color: 'blue.8' }]}
        referenceLines={[{ y: 24, label: '24 h deadline', color: 'red.8' }]}
        gridAxis="y"
        tickLine="y"
      />
    </ChartWithTable>
  );
}
