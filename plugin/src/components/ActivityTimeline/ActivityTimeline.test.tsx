import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { ActivityTimeline, STRIP_WIDTH } from './ActivityTimeline';
import { activityModelFromFrames } from '../../services/capture';
import { RECORDER_ENTRIES, activityEntry, logsFrame } from '../../services/lokiFrames.fixture';
import { testIds } from '../testIds';

const model = () => activityModelFromFrames([logsFrame(RECORDER_ENTRIES.map((e) => activityEntry(e)).reverse())]);

describe('ActivityTimeline', () => {
  it('renders the process tree of the capture and drills into a process', () => {
    render(<ActivityTimeline model={model()} />);
    const procs = screen.getAllByTestId(testIds.inspect.process);
    expect(procs.map((p) => p.getAttribute('aria-level'))).toEqual(['1', '2', '2']);
    expect(procs[1]).toHaveTextContent('cat (31337)');
    expect(procs[2]).toHaveTextContent('nc (31340)');
    expect(screen.getAllByTestId(testIds.inspect.entry)).toHaveLength(8);

    // Click nc: its entries only, its connection in the drill-down; click the connection: its JSON.
    fireEvent.click(within(procs[2]!).getByRole('button', { name: /nc \(31340\)/ }));
    expect(screen.getAllByTestId(testIds.inspect.entry)).toHaveLength(3);
    const detail = screen.getByTestId(testIds.inspect.processDetail);
    fireEvent.click(within(detail).getByRole('button', { name: /203\.0\.113\.7:4444 \(failed\)/ }));
    expect(screen.getByTestId(testIds.inspect.entryDetail)).toHaveTextContent('"res": -111');

    // Collapse the root: its children leave the tree.
    fireEvent.click(screen.getByRole('button', { name: 'Collapse sh (31330)' }));
    expect(screen.getAllByTestId(testIds.inspect.process)).toHaveLength(1);
  });

  it('brushing the overview strip narrows the entries; a click clears it', () => {
    const m = model();
    render(<ActivityTimeline model={m} />);
    const strip = screen.getByTestId(testIds.inspect.strip);
    // The first half of the span holds the cat episode (4 entries), the second the nc one.
    fireEvent.mouseDown(strip, { clientX: 0 });
    fireEvent.mouseMove(strip, { clientX: STRIP_WIDTH * 0.3 });
    fireEvent.mouseUp(strip, { clientX: STRIP_WIDTH * 0.3 });
    const entries = screen.getAllByTestId(testIds.inspect.entry);
    expect(entries.map((e) => e.textContent)).toEqual([
      expect.stringContaining('fork'),
      expect.stringContaining('cat /etc/shadow'),
      expect.stringContaining('read /etc/shadow'),
      expect.stringContaining('exit 0'),
    ]);
    expect(screen.getByText(/4 of 8 entries/)).toBeInTheDocument();
    // nc is outside the range: dimmed, but still in the tree.
    expect(screen.getAllByTestId(testIds.inspect.process)).toHaveLength(3);

    fireEvent.mouseDown(strip, { clientX: STRIP_WIDTH * 0.7 });
    fireEvent.mouseUp(strip, { clientX: STRIP_WIDTH });
    expect(screen.getAllByTestId(testIds.inspect.entry).map((e) => e.textContent)).toEqual([
      expect.stringContaining('fork'),
      expect.stringContaining('nc 203.0.113.7 4444'),
      expect.stringContaining('203.0.113.7:4444'),
      expect.stringContaining('exit 1'),
    ]);
    fireEvent.click(screen.getByTestId(testIds.inspect.brushReset));
    expect(screen.getAllByTestId(testIds.inspect.entry)).toHaveLength(8);
  });

  it('renders a 5k-entry capture with a bounded number of rows', () => {
    const entries = [];
    for (let i = 0; i < 5000; i++) entries.push(activityEntry({ ts: 1764801601000 + i, pid: 100 + (i % 50), tid: 100 + (i % 50), name: 'w', uid: 0, type: 'open', path: `/f/${i}`, res: 3, flags: 0, write: false, file_type: 'file' }));
    const t0 = performance.now();
    render(<ActivityTimeline model={activityModelFromFrames([logsFrame(entries)])} />);
    const ms = performance.now() - t0;
    expect(screen.getByText(/5000 entries/)).toBeInTheDocument();
    expect(screen.getAllByTestId(testIds.inspect.entry).length).toBeLessThan(60);
    expect(ms).toBeLessThan(3000);
  });
  it('merges the entries of overlapping captures with a note, and warns only about malformed lines', () => {
    const once = RECORDER_ENTRIES.map((e) => activityEntry(e));
    // A second capture of the same container repeats the first three entries: normal, not a problem.
    const overlapping = activityModelFromFrames([logsFrame([...once, ...once.slice(0, 3)])]);
    const { unmount } = render(<ActivityTimeline model={overlapping} />);
    expect(screen.getAllByTestId(testIds.inspect.entry)).toHaveLength(8);
    expect(screen.getByTestId(testIds.inspect.activityDuplicates)).toHaveTextContent('3 duplicate entries of overlapping captures merged');
    expect(screen.queryByTestId(testIds.inspect.activityMalformed)).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    unmount();

    const bad = { ...once[0]!, line: '{"capture_id": "01KBK5YQNH9ED0DH", "ts": ' };
    render(<ActivityTimeline model={activityModelFromFrames([logsFrame([...once, bad])])} />);
    expect(screen.getByTestId(testIds.inspect.activityMalformed)).toHaveTextContent('1 malformed activity line(s) skipped');
    expect(screen.queryByTestId(testIds.inspect.activityDuplicates)).not.toBeInTheDocument();
  });
});
