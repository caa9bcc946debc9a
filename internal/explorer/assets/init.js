/*
 * Tailor GraphQL explorer bootstrap.
 *
 * Loaded as an external script (never inline) so that the page's
 * Content-Security-Policy can stay at script-src 'self'. Everything the page
 * needs from the server is read from data attributes on #graphiql:
 *
 *   data-endpoint       URL of the GraphQL endpoint the explorer talks to.
 *   data-default-query  Query shown when the browser has no saved tabs.
 *
 * Requires the React, ReactDOM and GraphiQL UMD globals to be loaded first.
 */
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  if (!root) {
    return;
  }
  var endpoint = root.getAttribute('data-endpoint');
  var defaultQuery = root.getAttribute('data-default-query');

  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery || undefined,
      // Users paste {"Authorization": "Bearer <token>"} here. Headers are
      // deliberately not persisted to localStorage so tokens do not outlive
      // the tab.
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers'
    })
  );
})();
