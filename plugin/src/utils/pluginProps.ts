import { createContext, useContext } from 'react';
import type { AppRootProps } from '@grafana/data';

export const PluginPropsContext = createContext<AppRootProps | null>(null);

export function usePluginProps(): AppRootProps | null {
  return useContext(PluginPropsContext);
}
