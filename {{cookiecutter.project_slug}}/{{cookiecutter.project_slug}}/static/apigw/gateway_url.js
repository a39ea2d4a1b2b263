// The URL of a socket through the API gateway for a page element: its data-websocket-url with a fresh one-time
// token (?ws_token=...) from its data-token-endpoint, asked with a POST carrying the page's CSRF token and the
// session cookie. A token works once, so every connection asks for a new one.

function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

export default async function gatewayUrl(element) {
  const response = await fetch(element.dataset.tokenEndpoint, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.detail || `Token request failed: ${response.status}`);
  }
  const url = element.dataset.websocketUrl;
  return `${url}${url.includes("?") ? "&" : "?"}ws_token=${encodeURIComponent(body.token)}`;
}
