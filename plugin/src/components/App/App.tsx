import React, { useMemo } from 'react';
import { SceneApp, useSceneApp } from '@grafana/scenes';
import type { AppRootProps } from '@grafana/data';
import { settingsFromJsonData, type AppJsonData, type VigilSettings } from '../../services/settings';
import { overviewPage } from '../../pages/Overview/overviewPage';
import { runtimeEventsPage } from '../../pages/RuntimeEvents/runtimeEventsPage';
import { imageScansPage } from '../../pages/ImageScans/imageScansPage';
import { inspectPage } from '../../pages/Inspect/inspectPage';
import { PluginPropsContext } from '../../utils/pluginProps';

export function buildSceneApp(settings: VigilSettings): SceneApp {
  return new SceneApp({
    pages: [overviewPage(settings), runtimeEventsPage(settings), imageScansPage(settings), inspectPage(settings)],
    // Time range and variables live in the URL: links can be shared and the back button works.
    urlSyncOptions: { updateUrlOnInit: true, createBrowserHistorySteps: true },
  });
}

function AppWithScenes({ settings }: { settings: VigilSettings }) {
  // useSceneApp caches by the factory's identity: an inline arrow would build a new app (every scene, every query)
  // on each render, e.g. each time Grafana hands the root page new props on navigation.
  const factory = useMemo(() => () => buildSceneApp(settings), [settings]);
  const scene = useSceneApp(factory);
  return <scene.Component model={scene} />;
}

function App(props: AppRootProps<AppJsonData>) {
  const settings = useMemo(() => settingsFromJsonData(props.meta.jsonData), [props.meta.jsonData]);
  return (
    <PluginPropsContext.Provider value={props}>
      <AppWithScenes settings={settings} />
    </PluginPropsContext.Provider>
  );
}

export default App;
