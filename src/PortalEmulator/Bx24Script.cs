namespace PortalEmulator;

/// <summary>
/// A stand-in for the BX24 library (api.bitrix24.com/api/v1/) that apps load in the iframe:
/// enough of it for install and open (init, installFinish, getLang, resize calls).
/// </summary>
public static class Bx24Script
{
    public const string Source = """
        (function () {
          var q = new URLSearchParams(location.search);
          function send(name, data) { if (window.parent !== window) { window.parent.postMessage({ bx24: name, data: data || null }, '*'); } }
          window.BX24 = {
            init: function (callback) { if (callback) { setTimeout(callback, 0); } },
            installFinish: function () { send('installFinish'); },
            getLang: function () { return q.get('LANG') || 'en'; },
            getDomain: function () { return q.get('DOMAIN'); },
            fitWindow: function () { send('fitWindow'); },
            resizeWindow: function (w, h) { send('resizeWindow', { width: w, height: h }); },
            closeApplication: function () { send('closeApplication'); }
          };
        })();
        """;
}
