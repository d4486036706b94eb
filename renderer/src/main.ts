import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createGatehouseClient } from './api/client.js';

// The client first: in browser mode it takes the access token out of the URL's hash
// before the router reads the hash.
const api = createGatehouseClient();
const target = document.getElementById('app');
if (!target) throw new Error('renderer/index.html has no #app element');
mount(App, { target, props: { api } });
