// --version: the exporter's version, the Node runtime's and the libbpf the daemon would load
// (the package bundles both; LIBBPF_PATH says which libbpf, README "Flags").
export async function versionText(version: string): Promise<string> {
  let libbpf: string;
  try {
    const { libbpfVersion } = await import('./bpf/libbpf.js');
    libbpf = `${libbpfVersion()} (${process.env.LIBBPF_PATH ?? 'system libbpf.so.1'})`;
  } catch (e) {
    libbpf = `not loadable: ${e instanceof Error ? e.message : String(e)}`;
  }
  return `fsnotify-exporter ${version}\nnode ${process.versions.node}\nlibbpf ${libbpf}\n`;
}
