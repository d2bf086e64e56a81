// The device, inode and path labels of a diagnosed directory, as the other fsnotify_directory_* series have them.
import type { DirectoryCounts } from '../diagnosis/assemble.js';
import { LabelSet } from './exposition.js';

export const diagnosisLabels = (d: DirectoryCounts, pathLabels: boolean): LabelSet =>
  new LabelSet(pathLabels ? { device: d.device, inode: d.inode, path: d.path } : { device: d.device, inode: d.inode });
