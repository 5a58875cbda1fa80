// The checkout page of the antom-rs checkout example.
//
// 1. Reads /config.json: the mock Antom or Antom itself, sandbox or prod,
//    where the Web SDK is.
// 2. Pay posts what is bought (product id, quantity, currency, method; never a
//    price) to the sessions route (POST /antom/sessions) with one
//    Idempotency-Key per checkout attempt; the server prices it from its
//    catalogue, stores it and calls createPaymentSession.
// 3. With the mock, the buyer goes to the mock's cashier page (normalUrl).
//    With Antom, the page loads @alipay/ams-checkout (served by this server
//    from examples/checkout/web/node_modules, never from a CDN) and calls
//    createComponent with paymentSessionData.
// 4. Either way the buyer ends on the result page (/antom/return), which
//    polls the order until its status is final. What the SDK reports here is
//    for display only: the order's state is what the server learned from a
//    verified notification or inquiryPayment.
"use strict";

(function () {
  // Minor-unit exponents of the currencies offered (ISO 4217), and the price in each,
  // for display only: the server charges its own catalogue's price.
  const EXPONENTS = { SGD: 2, USD: 2, HKD: 2, CNY: 2, JPY: 0, KRW: 0 };
  const PRICES = { SGD: "42.00", USD: "32.00", HKD: "250.00", CNY: "230.00", JPY: "4800", KRW: "43000" };

  // paymentResultCode -> what to tell the buyer (Antom's client SDK callback page).
  const RESULT_CODES = {
    ACCESS_DENIED: "Access was denied. Please contact the merchant.",
    CURRENCY_NOT_SUPPORT: "This currency is not supported. Choose another currency or payment method.",
    FRAUD_REJECT: "The payment was declined by risk control. If you were charged, the money will be refunded.",
    INVALID_CARD: "The card is invalid. Please use another card.",
    INVALID_EXPIRY_DATE_FORMAT: "The card's expiry date is not in the right format. Please check it.",
    ISSUER_REJECTS_TRANSACTION: "Your bank declined the payment. Try another card or contact your bank.",
    INVALID_MERCHANT_STATUS: "The merchant cannot take payments right now. Please try again later.",
    MERCHANT_KYB_NOT_QUALIFIED: "The merchant cannot take this payment right now. Please try again later.",
    NO_PAY_OPTIONS: "This payment method does not support the currency. Choose another payment method.",
    ORDER_IS_CLOSED: "This order is closed. Press Pay to start a new payment.",
    PAYMENT_AMOUNT_EXCEED_LIMIT: "The amount is over the payment method's limit. Try a lower amount or another method.",
    PAYMENT_COUNT_EXCEED_LIMIT: "The payment method's limit on the number of payments was reached. Try another method.",
    PAYMENT_NOT_QUALIFIED: "The merchant cannot take this payment. Please contact the merchant.",
    PROCESS_FAIL: "The payment failed. Please do not retry right away; contact the merchant if it keeps happening.",
    RISK_REJECT: "The payment was declined by risk control. If you were charged, the money will be refunded.",
    SUSPECTED_CARD: "The card was declined by risk control. Try another card or contact your bank.",
    SUSPECTED_RISK: "The payment was declined for security reasons. You can try again tomorrow.",
    USER_AMOUNT_EXCEED_LIMIT: "The amount is over your account's limit. Pay a lower amount or top up.",
    USER_BALANCE_NOT_ENOUGH: "Your balance is not enough. Top up or choose another payment method.",
    USER_KYC_NOT_QUALIFIED: "Please complete your account's identity verification (KYC) first.",
    USER_PAYMENT_VERIFICATION_FAILED: "Your account is restricted from paying with this method.",
    USER_STATUS_ABNORMAL: "Your payment account's status does not allow this payment.",
    PAYMENT_IN_PROCESS: "The payment is being processed.",
    UNKNOWN_EXCEPTION: "Something unexpected happened. Please try again later.",
    CARD_NOT_SUPPORTED: "This card is not supported. Please use another card.",
    INVALID_EXPIRATION_DATE: "The card's expiry date is wrong. Please check it.",
    INVALID_CARD_NUMBER: "The card number is wrong. Please check it or use another card.",
  };

  // Every event code of @alipay/ams-checkout (1.47.2: its eventCodeEnum, the
  // Payment Element's codes, and those of Antom's SDK pages): its group, what
  // to show, and what to do.
  //   kind: "status" | "error" | "result"; level: "info" | "error" | "success"
  //   next: "result-page" (go to the result page), "retry" (the component is
  //   released and Pay can be pressed again), "loading", "loaded", or nothing
  //   (the component carries on).
  //   keepSession: a retry may reopen the same paymentSessionData.
  // A code not listed here is handled like a retry with a neutral message.
  const EVENTS = {
    // Status codes (onEventCallback, during the component's life).
    SDK_START_OF_LOADING: { kind: "status", level: "info", next: "loading", text: "Loading Antom's payment form…" },
    SDK_END_OF_LOADING: { kind: "status", level: "info", next: "loaded", text: "" },
    SDK_LAUNCH_PAYMENT_APP_ERROR: {
      kind: "status", level: "error", next: "retry", keepSession: true,
      text: "The payment app or page could not be opened. Press Pay to try again.",
    },
    // Deprecated since SDK_LAUNCH_PAYMENT_APP_ERROR; older SDK versions send it.
    SDK_CALL_URL_ERROR: {
      kind: "status", level: "error", next: "retry", keepSession: true,
      text: "Redirecting to the payment or bank verification page failed. Press Pay to try again.",
    },
    SDK_REDIRECT: { kind: "status", level: "info", text: "Taking you to the payment method's page…" },
    SDK_CALL_URL_SUCCESS: { kind: "status", level: "info", text: "The payment page loaded." },
    SDK_DUPLICATE_SUBMISSION_BEHAVIOR: {
      kind: "status", level: "info", text: "Your payment is already being submitted: no need to press again.",
    },
    SDK_FORM_VERIFICATION_FAILED: {
      kind: "status", level: "error", text: "Some details are not valid: please correct them and submit again.",
    },
    SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL: {
      kind: "status", level: "success", next: "result-page", text: "Payment authorized. Checking the result…",
    },
    SDK_PAYMENT_CHALLENGE: {
      kind: "status", level: "info", text: "Your bank needs to verify this payment (3-D Secure): follow the steps shown.",
    },
    // Error codes (onEventCallback / onError, while the component starts).
    SDK_INTERNAL_ERROR: {
      kind: "error", level: "error", next: "retry",
      text: "Antom's payment form failed internally. Please try again; if it keeps failing, contact Antom support.",
    },
    SDK_CREATEPAYMENT_PARAMETER_ERROR: {
      kind: "error", level: "error", next: "retry",
      text: "The payment form was started with wrong parameters (paymentSessionData). Press Pay to start a new payment.",
    },
    SDK_INIT_PARAMETER_ERROR: {
      kind: "error", level: "error", next: "retry",
      text: "The payment SDK was set up with wrong options (AMSCashierPayment). Check the page's configuration.",
    },
    SDK_CREATECOMPONENT_ERROR: {
      kind: "error", level: "error", next: "retry",
      text: "The payment form could not start. Please try again; if it keeps failing, contact Antom support.",
    },
    // The Payment Element's spelling of SDK_CREATECOMPONENT_ERROR.
    SDK_CREATE_COMPONENT_ERROR: {
      kind: "error", level: "error", next: "retry",
      text: "The payment form could not start. Please try again; if it keeps failing, contact Antom support.",
    },
    SDK_SUBMIT_NETWORK_ERROR: {
      kind: "error", level: "error", next: "retry",
      text: "A network error stopped the payment from being submitted. Please try again.",
    },
    // Payment result codes (onEventCallback, at the end of the payment).
    SDK_PAYMENT_SUCCESSFUL: {
      kind: "result", level: "success", next: "result-page", text: "Payment successful. Taking you to your order…",
    },
    SDK_PAYMENT_PROCESSING: {
      kind: "result", level: "info", next: "result-page",
      text: "Your payment is being processed. Your order page will update when Antom confirms it.",
    },
    SDK_PAYMENT_FAIL: { kind: "result", level: "error", next: "retry", text: "The payment failed." },
    SDK_PAYMENT_CANCEL: {
      kind: "result", level: "info", next: "retry", keepSession: true,
      text: "You left the payment without paying. Press Pay to try again.",
    },
    SDK_PAYMENT_ERROR: {
      kind: "result", level: "error", next: "result-page",
      text: "The payment's status is unclear. Your order page will show what Antom reports.",
    },
    // PayPal's steps inside the payment (not its end).
    SDK_PAYMENT_WARN: {
      kind: "status", level: "info", next: "retry", keepSession: true,
      text: "The payment method reported a problem. Press Pay to try again.",
    },
    SDK_PAYMENT_SHIPPINGCHANGE: { kind: "status", level: "info", text: "Shipping details updated." },
    SDK_PAYMENT_APPROVE: { kind: "status", level: "info", text: "Payment approved. Waiting for the result…" },
  };

  // What to show for an SDK event: {kind, level, next, text}.
  function describeEvent(code, result) {
    const known = EVENTS[code];
    if (!known) {
      // A code newer than this page: never leave the buyer on "Please wait…".
      return {
        kind: "unknown", level: "info", next: "retry", keepSession: true,
        text: "The payment form stopped. Press Pay to try again.",
      };
    }
    const event = Object.assign({}, known);
    if (code === "SDK_PAYMENT_FAIL" && result) {
      const resultCode = result.paymentResultCode || (result.result && result.result.resultCode);
      const advice = RESULT_CODES[resultCode] || result.paymentResultMessage;
      event.text = `The payment failed${resultCode ? ` (${resultCode})` : ""}: ${advice || "please try again."}`;
    }
    return event;
  }

  // "42.5" in SGD -> "4250"; JPY "1000" -> "1000". Strings only: never floats for money.
  function toMinorUnits(text, currency) {
    const exponent = EXPONENTS[currency];
    const trimmed = String(text).trim();
    const pattern = exponent === 0 ? /^\d+$/ : new RegExp(`^(\\d+)(?:\\.(\\d{1,${exponent}}))?$`);
    const match = trimmed.match(pattern);
    if (exponent === undefined || !match) return null;
    const whole = exponent === 0 ? trimmed : match[1];
    const fraction = exponent === 0 ? "" : (match[2] || "").padEnd(exponent, "0");
    const digits = (whole + fraction).replace(/^0+(?=\d)/, "");
    return /^0+$/.test(digits) ? null : digits;
  }

  const $ = (id) => document.getElementById(id);
  const form = $("checkout");
  const payButton = $("pay");
  const message = $("message");
  let config = null;
  let session = null; // the last session, reusable after SDK_PAYMENT_CANCEL while the form is unchanged
  let sessionKey = null;
  let attempt = null; // {form, key}: the Idempotency-Key of the current checkout attempt
  let sdkApp = null;
  let sdkComponent = false; // whether createComponent ran since the last unmount()

  function show(text, level) {
    message.textContent = text || "";
    message.className = "message" + (level && level !== "info" ? ` ${level}` : "");
  }

  function busy(on) {
    payButton.disabled = on;
    payButton.textContent = on ? "Please wait…" : "Pay";
  }

  function resultPage(orderId) {
    return `${config.returnUrl}?orderId=${encodeURIComponent(orderId)}`;
  }

  const PRODUCT_ID = "sticker-pack";
  const MAX_QUANTITY = 20;

  function quantityFromForm() {
    const text = String($("quantity").value).trim();
    const quantity = /^\d+$/.test(text) ? Number(text) : NaN;
    return quantity >= 1 && quantity <= MAX_QUANTITY ? quantity : null;
  }

  function orderFromForm() {
    const method = form.querySelector('input[name="method"]:checked');
    return {
      productId: PRODUCT_ID,
      quantity: quantityFromForm(),
      currency: $("currency").value,
      paymentMethodType: method ? method.value : "",
    };
  }

  // The displayed price: the catalogue's unit price times the quantity, in minor units (no floats).
  function showPrice() {
    const currency = $("currency").value;
    const unit = toMinorUnits(PRICES[currency], currency);
    const quantity = quantityFromForm();
    if (!unit || !quantity) return;
    const exponent = EXPONENTS[currency];
    const total = (BigInt(unit) * BigInt(quantity)).toString().padStart(exponent + 1, "0");
    const text = exponent ? `${total.slice(0, -exponent)}.${total.slice(-exponent)}` : total;
    $("price").textContent = `${text} ${currency}`;
  }

  function newIdempotencyKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  }

  async function createSession(order, idempotencyKey) {
    let response;
    try {
      response = await fetch(config.sessionsUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "idempotency-key": idempotencyKey },
        body: JSON.stringify(order),
      });
    } catch (e) {
      e.network = true; // no answer: the same attempt (and key) may be retried
      throw e;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.message || `The server answered ${response.status}.`);
    }
    return body;
  }

  // The SDK's locale from the browser, as Antom's SDK page shows:
  // navigator.language with "_" for "-" ("en-US" -> "en_US", "zh-Hant-HK" -> "zh_HK").
  function sdkLocale() {
    const language = (navigator.language || navigator.userLanguage || "en-US").split(/[-_]/);
    const region = language.slice(1).reverse().find((part) => /^[A-Za-z]{2}$/.test(part));
    return region ? `${language[0].toLowerCase()}_${region.toUpperCase()}` : language[0].toLowerCase();
  }

  // Frees the SDK's component (its iframe, overlay and the page's scroll lock):
  // before another createComponent, after an error or a cancel, when leaving.
  function releaseComponent() {
    if (sdkApp && sdkComponent && typeof sdkApp.unmount === "function") {
      try {
        sdkApp.unmount();
      } catch (e) {
        console.warn("Antom SDK unmount failed", e);
      }
    }
    sdkComponent = false;
  }

  function loadSdk() {
    if (window.AMSCashierPayment) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = config.sdk.url;
      script.onload = () => (window.AMSCashierPayment ? resolve() : reject(new Error("AMSCashierPayment missing")));
      script.onerror = () => reject(new Error("not installed"));
      document.head.appendChild(script);
    });
  }

  function onSdkEvent({ code, message: sdkMessage, result }) {
    const event = describeEvent(code, result);
    if (event.kind !== "status") console.log("Antom SDK", code, sdkMessage || "", result || "");
    if (event.next === "loaded" && message.textContent === EVENTS.SDK_START_OF_LOADING.text) show("");
    else if (event.text) show(event.text, event.level);
    if (event.next === "result-page" && session) {
      setTimeout(() => window.location.assign(resultPage(session.orderId)), 800);
    } else if (event.next === "retry") {
      if (!event.keepSession) session = attempt = null; // a new session (and key) next time
      releaseComponent();
      busy(false);
    }
  }

  async function payWithSdk(current) {
    try {
      await loadSdk();
    } catch (e) {
      show(`Antom's Web SDK could not be loaded (${e.message}). Run ${config.sdk.install} and reload this page.`, "error");
      busy(false);
      return;
    }
    if (!sdkApp) {
      sdkApp = new window.AMSCashierPayment({
        environment: current.environment || config.environment,
        locale: sdkLocale(),
        onLog: ({ code, message: text }) => console.debug("Antom SDK log", code, text),
        onEventCallback: onSdkEvent,
        onError: onSdkEvent,
      });
    }
    // A second payment: free the previous component first (Antom's SDK page).
    releaseComponent();
    sdkComponent = true;
    try {
      await sdkApp.createComponent({
        sessionData: current.paymentSessionData,
        appearance: { showLoading: true },
      });
    } catch (e) {
      // The SDK rejects with {code, message} after reporting the same code to
      // onError / onEventCallback; handling it again is harmless, and covers a
      // rejection it did not report.
      onSdkEvent(e && e.code ? e : { code: "SDK_CREATECOMPONENT_ERROR", message: String(e) });
    }
  }

  async function pay(event) {
    event.preventDefault();
    const order = orderFromForm();
    const quantityInput = $("quantity");
    if (!order.quantity) {
      quantityInput.setAttribute("aria-invalid", "true");
      show(`Enter a quantity from 1 to ${MAX_QUANTITY}.`, "error");
      return;
    }
    quantityInput.removeAttribute("aria-invalid");
    busy(true);
    show("Creating your payment…");
    try {
      const key = JSON.stringify(order);
      if (!session || sessionKey !== key) {
        if (!attempt || attempt.form !== key) attempt = { form: key, key: newIdempotencyKey() };
        session = await createSession(order, attempt.key);
        sessionKey = key;
      }
      if (config.mode === "mock") {
        if (!session.normalUrl) throw new Error("The mock returned no cashier URL (normalUrl).");
        show("Taking you to the payment page…");
        window.location.assign(session.normalUrl);
        return;
      }
      show("");
      await payWithSdk(session);
    } catch (e) {
      session = null;
      if (!e.network) attempt = null; // an answer, even an error: the next Pay is a new attempt
      show(`Could not start the payment: ${e.message}`, "error");
      busy(false);
    }
  }

  async function start() {
    try {
      const response = await fetch("/config.json", { headers: { accept: "application/json" } });
      config = await response.json();
    } catch (e) {
      show("Could not load the page's configuration. Is the checkout server running?", "error");
      return;
    }
    const badge = $("mode");
    badge.dataset.mode = config.mode;
    badge.textContent =
      config.mode === "mock"
        ? "Test mode · mock Antom"
        : config.environment === "sandbox"
          ? "Antom sandbox"
          : "Antom production";
    form.addEventListener("submit", pay);
    // The price follows the currency and the quantity (for display; the server prices the order).
    for (const id of ["currency", "quantity"]) {
      $(id).addEventListener("input", () => {
        $("quantity").removeAttribute("aria-invalid");
        showPrice();
        show("");
      });
    }
    showPrice();
    if (config.mode === "antom" && !config.sdk.available) {
      show(`Antom's Web SDK is not installed. Run ${config.sdk.install} from the repository root, then reload this page.`, "error");
      return;
    }
    busy(false);
  }

  // Leaving the page: unmount the SDK's component.
  window.addEventListener("pagehide", releaseComponent);

  // Back from the cashier page (the browser's back/forward cache): Pay works again, with a new session.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && config) {
      session = null;
      show("");
      busy(false);
    }
  });

  // For tests and the curious.
  window.antomCheckout = { describeEvent, toMinorUnits, sdkLocale, EVENTS, RESULT_CODES };

  start();
})();
