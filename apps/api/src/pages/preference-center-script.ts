/**
 * The preference center's only script: saves the form with fetch (same body as the plain form post, with
 * `Accept: application/json`), so the page is not reloaded; then the shown state becomes the saved one.
 * Without it, the form posts and the server answers with the page.
 */
export const PREFERENCE_CENTER_SCRIPT = `(function () {
  var form = document.getElementById('preferences');
  var status = document.getElementById('status');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    button.disabled = true;
    status.className = 'status';
    status.textContent = 'Saving…';
    fetch(form.getAttribute('action'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' },
      body: body.toString(),
      credentials: 'omit'
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.message || 'Your preferences could not be saved. Please try again.');
        var shown = {};
        var hidden = form.querySelectorAll('input[type=hidden]');
        for (var i = 0; i < hidden.length; i++) {
          if (hidden[i].name.indexOf('was:') === 0) shown[hidden[i].name.slice(4)] = hidden[i];
        }
        var switches = form.querySelectorAll('input.switch');
        for (var j = 0; j < switches.length; j++) {
          var was = shown[switches[j].name.slice(4)];
          if (was) was.value = switches[j].checked ? '1' : '0';
        }
        status.textContent = data.message || 'Your preferences are saved.';
      });
    }).catch(function (error) {
      status.className = 'status error';
      status.textContent = error.message || 'Your preferences could not be saved. Please try again.';
    }).then(function () {
      button.disabled = false;
    });
  });
})();
`;
