import restify from 'restify';

// Baseline (b): restify 12 with no middleware, the way its README says hello.
const server = restify.createServer();
server.get('/hello', (_req, res, next) => {
  res.send('hello world');
  next();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
