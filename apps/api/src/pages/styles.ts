/**
 * The pages' only stylesheet, inlined under the CSP nonce. `--primary` / `--on-primary` come from the
 * tenant's branding. Colours keep at least 4.5:1 for text and 3:1 for controls; the focus ring is always
 * visible; one column that fits a 360 px screen.
 */
export const PAGE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#111827;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:44rem;margin:0 auto;padding:2rem 1rem 3rem}
.card{background:#fff;border:1px solid #d1d5db;border-radius:12px;padding:1.5rem}
header.brand{display:flex;align-items:center;gap:.75rem;margin:0 0 1.25rem}
header.brand img{max-height:40px;max-width:180px}
header.brand .name{font-weight:600;color:#374151}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
p.lead{margin:0 0 1.5rem;color:#374151}
.status{margin:0 0 1rem;padding:.75rem 1rem;border-radius:8px;border:1px solid #047857;background:#ecfdf5;color:#065f46}
.status.error{border-color:#b91c1c;background:#fef2f2;color:#991b1b}
.status:empty{display:none}
fieldset.row{border:0;border-top:1px solid #e5e7eb;margin:0;padding:1rem 0;min-width:0;display:flex;flex-wrap:wrap;gap:.75rem 1.5rem;align-items:center;justify-content:space-between}
fieldset.row:first-of-type{border-top:0;padding-top:0}
.row .text{flex:1 1 14rem;min-width:0}
.row.channels .toggles{flex-basis:100%}
.row .title{display:block;font-weight:600;overflow-wrap:anywhere}
.row .desc{display:block;margin:.125rem 0 0;color:#4b5563;font-size:.9375rem;overflow-wrap:anywhere}
.row .note{display:block;margin:.25rem 0 0;color:#92400e;font-size:.875rem}
.toggles{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem}
.toggle{display:inline-flex;align-items:center;gap:.5rem;cursor:pointer;min-height:44px}
.toggle .label{font-size:.9375rem;min-width:3.25rem}
.switch{appearance:none;-webkit-appearance:none;margin:0;flex:none;position:relative;width:2.75rem;height:1.5rem;border-radius:999px;background:#6b7280;border:2px solid #6b7280;cursor:pointer;transition:background .15s}
.switch::before{content:"";position:absolute;top:2px;left:2px;width:1rem;height:1rem;border-radius:50%;background:#fff;transition:transform .15s}
.switch:checked{background:var(--primary);border-color:var(--primary)}
.switch:checked::before{transform:translateX(1.25rem)}
.switch:disabled{opacity:.55;cursor:not-allowed}
.switch:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #111827;outline-offset:3px;box-shadow:0 0 0 6px #fff}
.state{font-size:.8125rem;color:#374151;min-width:1.75rem}
.switch + .state::after{content:"Off"}
.switch:checked + .state::after{content:"On"}
.actions{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-top:1px solid #e5e7eb;margin-top:.5rem;padding-top:1.25rem}
button{font:inherit;font-weight:600;padding:.625rem 1.25rem;min-height:44px;border-radius:8px;border:2px solid var(--primary);background:var(--primary);color:var(--on-primary);cursor:pointer}
button[disabled]{opacity:.6;cursor:progress}
a{color:#1e3a8a}
.small{font-size:.875rem;color:#4b5563}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
@media (max-width:480px){main{padding:1rem .75rem 2rem}.card{padding:1rem}h1{font-size:1.3rem}}
@media (prefers-reduced-motion:reduce){.switch,.switch::before{transition:none}}
`;
