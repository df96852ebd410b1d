using System.Text.Json;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>A refreshed pair and what the OAuth server says about the portal it belongs to.</summary>
public sealed record RefreshedToken(AuthToken Token, string? MemberId, string? ClientEndpoint, long? UserId, string? Scope);

/// <summary>What the OAuth server's <c>app.info</c> says about an access token.</summary>
public sealed record TokenInfo(string ClientId, long UserId, string Scope, string MemberId, string Domain, Uri ClientEndpoint, string? Status, bool Installed);

/// <summary>
/// The Bitrix24 OAuth server: refresh (a form POST, so the secret stays out of URLs) and token
/// verification. Never retried: a refresh token is single-use, a repeat could lose the portal.
/// </summary>
public sealed class Bitrix24OAuthClient(IHttpClientFactory httpFactory, IOptions<Bitrix24Options> options, TimeProvider time)
{
    public const string HttpClientName = "bitrix24-oauth";

    public async Task<RefreshedToken> RefreshAsync(Uri oauthServer, string refreshToken, CancellationToken ct)
    {
        var settings = options.Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = settings.ClientId ?? "",
            ["client_secret"] = settings.ClientSecret ?? "",
            ["refresh_token"] = refreshToken,
        });
        using var root = await SendAsync(HttpMethod.Post, new Uri(oauthServer, "oauth/token/"), content, settings.RefreshTimeout, ct);
        var answer = root.RootElement;
        var accessToken = Bitrix24Json.String(answer, "access_token");
        var newRefreshToken = Bitrix24Json.String(answer, "refresh_token");
        if (accessToken is null || newRefreshToken is null)
        {
            throw new Bitrix24UnexpectedResponseException("oauth/token", 200, "no access_token or refresh_token in the answer");
        }

        var expiresIn = Bitrix24Json.Number(answer, "expires_in") ?? 3600;
        return new RefreshedToken(
            new AuthToken(accessToken, newRefreshToken, time.GetUtcNow().AddSeconds(expiresIn)),
            Bitrix24Json.String(answer, "member_id"),
            Bitrix24Json.String(answer, "client_endpoint"),
            Bitrix24Json.Number(answer, "user_id"),
            Bitrix24Json.String(answer, "scope"));
    }

    /// <summary>Asks a trusted OAuth server who an access token belongs to.</summary>
    public async Task<TokenInfo> GetTokenInfoAsync(Uri oauthServer, string accessToken, CancellationToken ct)
    {
        using var root = await SendAsync(HttpMethod.Get, new Uri(oauthServer, "rest/app.info?auth=" + Uri.EscapeDataString(accessToken)), null, options.Value.VerifyTimeout, ct);
        if (!root.RootElement.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object ||
            !result.TryGetProperty("install", out var install) || install.ValueKind != JsonValueKind.Object)
        {
            throw new Bitrix24UnexpectedResponseException("app.info", 200, "no result.install in the answer");
        }

        var endpoint = Bitrix24Json.String(install, "client_endpoint");
        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var clientEndpoint))
        {
            throw new Bitrix24UnexpectedResponseException("app.info", 200, "no valid install.client_endpoint");
        }

        return new TokenInfo(
            Bitrix24Json.String(result, "client_id") ?? "",
            Bitrix24Json.Number(result, "user_id") ?? 0,
            Bitrix24Json.String(result, "scope") ?? Bitrix24Json.String(install, "scope") ?? "",
            Bitrix24Json.String(install, "member_id") ?? "",
            Bitrix24Json.String(install, "domain") ?? "",
            clientEndpoint,
            Bitrix24Json.String(install, "status"),
            Bitrix24Json.IsTrue(install, "installed"));
    }

    async Task<JsonDocument> SendAsync(HttpMethod method, Uri uri, HttpContent? content, TimeSpan timeLimit, CancellationToken ct)
    {
        var operation = uri.AbsolutePath.Contains("app.info", StringComparison.Ordinal) ? "app.info" : "oauth/token";
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        HttpResponseMessage response;
        string body;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(timeLimit);
        try
        {
            using var onTheWire = PortalTime.Send();
            response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            body = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new Bitrix24TimeoutException(operation, e);
        }
        catch (HttpRequestException e)
        {
            throw new Bitrix24ConnectionException(operation, e);
        }

        using (response)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw new Bitrix24UnexpectedResponseException(operation, (int)response.StatusCode, Snippet(body));
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new Bitrix24UnexpectedResponseException(operation, (int)response.StatusCode, Snippet(body));
            }

            // wrong_client arrives with HTTP 200, so the body decides, not the status.
            if (Bitrix24Json.String(document.RootElement, "error") is { } error)
            {
                var description = Bitrix24Json.String(document.RootElement, "error_description") ?? error;
                var status = (int)response.StatusCode;
                document.Dispose();
                throw error switch
                {
                    "invalid_grant" => new Bitrix24ReinstallRequiredException(description),
                    "invalid_client" => new Bitrix24InvalidClientException(description),
                    "wrong_client" => new Bitrix24AppDeletedException(description),
                    "PAYMENT_REQUIRED" => new Bitrix24PaymentRequiredException(description),
                    "expired_token" or "invalid_token" or "NO_AUTH_FOUND" => new Bitrix24AuthException(operation, error, description, status),
                    _ => new Bitrix24OAuthException(error, description, status),
                };
            }

            if (!response.IsSuccessStatusCode)
            {
                document.Dispose();
                throw new Bitrix24UnexpectedResponseException(operation, (int)response.StatusCode, Snippet(body));
            }

            return document;
        }
    }

    internal static string Snippet(string body) =>
        body.Length == 0 ? "(empty body)" : body.Length <= 200 ? body : body[..200] + "…";

}
