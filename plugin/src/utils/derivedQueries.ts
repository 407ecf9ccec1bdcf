import type { SceneObject, SceneQueryRunner } from '@grafana/scenes';
import type { DataQuery } from '@grafana/schema';
import type { Unsubscribable } from 'rxjs';

/** Each runner with the queries it should hold for the source's current state. */
export type QueryBindings = () => Array<[SceneQueryRunner, DataQuery[]]>;

/**
 * Makes the runners' queries a function of one scene object's state, applied now and on every state change.
 *
 * Why not an activation handler: Scenes applies the URL state (updateFromUrl) before the page's objects activate,
 * so a handler that only reacts to later changes never sees the filters a reload or a link brought, and runners
 * built with the default queries would run those. Deriving on every change, whenever it happens, has no such
 * window. The subscription lives as long as the source and the runners, which are built and dropped together.
 *
 * A runner whose queries did not change is left alone (no duplicate request). An active runner re-runs at once;
 * an inactive one drops the data of its old queries, so its activation runs the new ones (Scenes would otherwise
 * keep data it already has for the time range).
 */
export function deriveQueriesFromState(source: SceneObject, bindings: QueryBindings): Unsubscribable {
  const apply = () => {
    for (const [runner, queries] of bindings()) {
      if (JSON.stringify(runner.state.queries) === JSON.stringify(queries)) continue;
      if (runner.isActive) {
        runner.setState({ queries });
        runner.runQueries();
      } else {
        runner.setState(runner.state.data ? { queries, data: undefined } : { queries });
      }
    }
  };
  apply();
  return source.subscribeToState(apply);
}
