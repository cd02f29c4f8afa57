// render.js DIR FOLDED PNG TITLE: a flame graph of FOLDED (folded stacks,
// as cowwatch --folded writes them) drawn by speedscope (npm) in Debian's
// headless Chromium, through playwright-core, saved as PNG. DIR holds
// node_modules and is served on localhost: speedscope reads the profile
// from a URL.
const { chromium } = require('playwright-core');
const http = require('http');
const fs = require('fs');
const path = require('path');

const [dir, folded, png, title] = process.argv.slice(2);
const app = path.join(dir, 'node_modules/speedscope/dist/release');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
	'.wasm': 'application/wasm', '.png': 'image/png', '.json': 'application/json' };

const server = http.createServer((req, res) => {
	const url = decodeURIComponent(req.url.split('?')[0].split('#')[0]);
	const file = url === '/profile.folded' ? folded : path.join(app, path.normalize(url));
	fs.readFile(file, (err, data) => {
		if (err) { res.writeHead(404); res.end(); return; }
		res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'text/plain' });
		res.end(data);
	});
});

server.listen(0, '127.0.0.1', async () => {
	const port = server.address().port;
	const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
		args: ['--no-sandbox'] });
	try {
		const page = await browser.newPage({ viewport: { width: 1400, height: 280 } });
		await page.goto(`http://127.0.0.1:${port}/index.html#profileURL=` +
			encodeURIComponent(`http://127.0.0.1:${port}/profile.folded`) +
			`&title=${encodeURIComponent(title)}&view=left-heavy`);
		await page.waitForSelector('canvas', { timeout: 30000 });
		await page.waitForTimeout(2000);
		await page.screenshot({ path: png });
	} finally {
		await browser.close();
		server.close();
	}
});
