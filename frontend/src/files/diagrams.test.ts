import { describe, expect, it } from 'vitest';
import { DIAGRAM_SANITIZE_CONFIG, diagramError, isMermaidClass, mermaidConfig } from './diagrams';

describe('mermaid blocks', () => {
  it('are the code blocks marked renders for a mermaid fence', () => {
    expect(isMermaidClass('language-mermaid')).toBe(true);
    expect(isMermaidClass('hljs language-mermaid')).toBe(true);
    expect(isMermaidClass('language-mermaidjs')).toBe(false);
    expect(isMermaidClass('language-python')).toBe(false);
    expect(isMermaidClass(null)).toBe(false);
    expect(isMermaidClass('')).toBe(false);
  });
});

describe('mermaid configuration', () => {
  it('is strict, does not start on load and follows the app theme', () => {
    const dark = mermaidConfig(true);
    expect(dark.startOnLoad).toBe(false);
    expect(dark.securityLevel).toBe('strict');
    expect(dark.theme).toBe('dark');
    expect(mermaidConfig(false).theme).toBe('default');
  });

  it('keeps errors and HTML labels out of the page', () => {
    expect(mermaidConfig(true).suppressErrorRendering).toBe(true);
    expect(mermaidConfig(true).htmlLabels).toBe(false);
  });
});

describe('diagram SVG sanitising', () => {
  it('keeps <style> but nothing that runs or loads', () => {
    expect(DIAGRAM_SANITIZE_CONFIG.USE_PROFILES).toMatchObject({ svg: true });
    expect(DIAGRAM_SANITIZE_CONFIG.ADD_TAGS).toContain('style');
    expect(DIAGRAM_SANITIZE_CONFIG.FORBID_TAGS).not.toContain('style');
    for (const tag of ['script', 'iframe', 'object', 'embed', 'use', 'image', 'animate', 'set']) {
      expect(DIAGRAM_SANITIZE_CONFIG.FORBID_TAGS).toContain(tag);
    }
    for (const attr of ['href', 'xlink:href', 'src']) expect(DIAGRAM_SANITIZE_CONFIG.FORBID_ATTR).toContain(attr);
  });
});

describe('diagram errors', () => {
  it('shorten mermaid parse errors to one line', () => {
    const err = new Error("Parse error on line 2:\n...A --> \n-----------^\nExpecting 'AMP', 'ALPHA', got 'EOF'");
    expect(diagramError(err)).toBe("Parse error on line 2: Expecting 'AMP', 'ALPHA', got 'EOF'");
    expect(diagramError('No diagram type detected matching given configuration for text: x')).toBe(
      'No diagram type detected matching given configuration for text: x',
    );
  });

  it('cap long messages and name unknown failures', () => {
    const long = diagramError(new Error('x'.repeat(500)));
    expect(long.length).toBe(160);
    expect(long.endsWith('…')).toBe(true);
    expect(diagramError(undefined)).toBe('unknown error');
    expect(diagramError(new Error(''))).toBe('unknown error');
  });
});
