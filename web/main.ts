// Placeholder until the Svelte page lands (issue 4).
const app = document.getElementById('app');
if (app) app.textContent = 'Chat';
