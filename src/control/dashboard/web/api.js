// The REST API of the node that serves the dashboard, called with the server API token the
// operator entered. The token stays in this tab's sessionStorage: every figure the dashboard
// shows comes from token-protected calls, the pages themselves hold no data.
const tokenKey = "shoal-dashboard-token";

export const token = {
  get: () => sessionStorage.getItem(tokenKey),
  set: (value) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

export class ApiError extends Error {
  constructor(status, text) {
    super(text);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token.get() ?? ""}`,
      accept: "application/json",
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = json?.errors?.detail ?? json?.errors ?? response.statusText;
    throw new ApiError(response.status, `${method} ${path}: ${response.status} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
  return json;
}

// Shows the sign-in form until a token the node accepts is entered; resolves with GET /cluster's
// data.
export function signIn(form, message) {
  return new Promise((resolve) => {
    const attempt = async () => {
      try {
        const cluster = await api("GET", "/cluster");
        form.hidden = true;
        resolve(cluster.data);
      } catch (e) {
        if (e.status !== 401) throw e;
        if (token.get()) message.textContent = "The node refused this token.";
        token.clear();
        form.hidden = false;
        form.querySelector("input").focus();
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      token.set(form.querySelector("input").value.trim());
      attempt();
    });
    attempt();
  });
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}
