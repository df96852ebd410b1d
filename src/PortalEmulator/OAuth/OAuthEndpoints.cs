using System.Globalization;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.OAuth;

/// <summary>The Bitrix24 OAuth server: token refresh with rotation, and <c>app.info</c> for verifying a token.</summary>
public static class OAuthEndpoints
{
    public static void MapOAuthServer(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/oauth/token/", ["GET", "POST"], Token);
        app.MapMethods("/rest/app.info", ["GET", "POST"], AppInfo);
        app.MapMethods("/rest/app.info.json", ["GET", "POST"], AppInfo);
    }

    static async Task<Dictionary<string, string>> ReadFieldsAsync(HttpRequest request)
    {
        var fields = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            foreach (var (key, value) in form)
            {
                fields[key] = value.ToString();
            }
        }

        return fields;
    }

    static IResult Error(Emulator emulator, string path, string? grantType, string? clientId, int status, string error, string description)
    {
        emulator.LogOAuth(new OAuthLogEntry(path, grantType, clientId, status, error));
        return Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);
    }

    /// <summary>An injected fault of the OAuth server: a delay (a slow server), then an error or the normal answer.</summary>
    /// <summary>
    /// An injected fault of the OAuth server: a delay (a slow server), then an error or the normal answer.
    /// A <see cref="FaultMode.CommitThenHang"/> fault is left to the caller, which makes the grant first.
    /// </summary>
    static async Task<(IResult? Answer, Fault? AfterGrant)> FaultAsync(Emulator emulator, string name, string path, HttpRequest request)
    {
        if (emulator.OAuthFaults.Take(name) is not { } fault)
        {
            return (null, null);
        }

        if (fault.Mode == FaultMode.CommitThenHang)
        {
            return (null, fault);
        }

        if (fault.Delay > TimeSpan.Zero)
        {
            await Task.Delay(fault.Delay, request.HttpContext.RequestAborted);
        }

        return (fault.Error is null ? null : Error(emulator, path, null, null, fault.Status, fault.Error, fault.ErrorDescription ?? fault.Error), null);
    }

    static async Task<IResult> Token(HttpRequest request, Emulator emulator)
    {
        const string path = "/oauth/token/";
        var (faulted, afterGrant) = await FaultAsync(emulator, "token", path, request);
        if (faulted is not null)
        {
            return faulted;
        }

        var fields = await ReadFieldsAsync(request);
        var grantType = fields.GetValueOrDefault("grant_type");
        var clientId = fields.GetValueOrDefault("client_id");
        var secret = fields.GetValueOrDefault("client_secret");
        var refreshToken = fields.GetValueOrDefault("refresh_token");

        if (string.IsNullOrEmpty(grantType) || string.IsNullOrEmpty(clientId))
        {
            return Error(emulator, path, grantType, clientId, 400, "invalid_request", "grant_type and client_id are required");
        }

        if (grantType != "refresh_token")
        {
            return Error(emulator, path, grantType, clientId, 400, "unsupported_grant_type", "Only refresh_token is supported here");
        }

        var grant = emulator.FindByRefreshToken(refreshToken);
        var app = grant?.Portal.App;
        if (grant is null || grant.ClientId != clientId)
        {
            return emulator.IsKnownClient(clientId, secret)
                ? Error(emulator, path, grantType, clientId, 400, "invalid_grant", "Invalid refresh token")
                : Error(emulator, path, grantType, clientId, 401, "invalid_client", "Invalid client credentials");
        }

        if (!FixedTimeEquals(app!.ClientSecret, secret))
        {
            return Error(emulator, path, grantType, clientId, 401, "invalid_client", "Invalid client credentials");
        }

        if (app.Deleted)
        {
            // The real server says so with HTTP 200.
            return Error(emulator, path, grantType, clientId, 200, "wrong_client", "Wrong client");
        }

        if (app.PaymentRequired)
        {
            return Error(emulator, path, grantType, clientId, 402, "PAYMENT_REQUIRED", "Payment required");
        }

        if (grant.Portal.Deleted || app.Uninstalled)
        {
            return Error(emulator, path, grantType, clientId, 400, "invalid_grant", "Portal was deleted");
        }

        if (!emulator.TryUseRefreshToken(grant))
        {
            return Error(emulator, path, grantType, clientId, 400, "invalid_grant", "Refresh token has already been used");
        }

        var fresh = emulator.IssueTokens(grant.Portal, grant.UserId);
        emulator.LogOAuth(new OAuthLogEntry(path, grantType, clientId, 200, null));
        if (afterGrant is not null)
        {
            // The old refresh token is spent and the new pair issued, whether or not the caller is still there to read it.
            await Task.Delay(afterGrant.Delay, request.HttpContext.RequestAborted);
        }

        var oauthHost = new Uri(emulator.OAuthServer).Authority;
        return Results.Json(new JsonObject
        {
            ["access_token"] = fresh.AccessToken,
            ["expires"] = fresh.ExpiresAt.ToUnixTimeSeconds(),
            ["expires_in"] = emulator.Options.AccessTokenLifetimeSeconds,
            ["scope"] = app.Scope,
            ["domain"] = oauthHost,
            ["server_endpoint"] = emulator.OAuthServer + "rest/",
            ["status"] = grant.Portal.LicenseStatus,
            ["client_endpoint"] = grant.Portal.ClientEndpoint,
            ["member_id"] = grant.Portal.MemberId,
            ["user_id"] = grant.UserId,
            ["refresh_token"] = fresh.RefreshToken,
        });
    }

    static async Task<IResult> AppInfo(HttpRequest request, Emulator emulator)
    {
        const string path = "/rest/app.info";
        // app.info grants nothing: a commitThenHang fault on it is only late.
        var (faulted, late) = await FaultAsync(emulator, "app.info", path, request);
        if (faulted is not null)
        {
            return faulted;
        }

        if (late is not null)
        {
            await Task.Delay(late.Delay, request.HttpContext.RequestAborted);
        }

        var fields = await ReadFieldsAsync(request);
        var token = fields.GetValueOrDefault("auth");
        var grant = emulator.FindByAccessToken(token);
        if (grant is null || grant.Portal.App.Deleted || grant.Portal.App.Uninstalled || grant.Portal.Deleted)
        {
            return Error(emulator, path, null, null, 401, "invalid_token", "Unable to get application by token");
        }

        if (grant.IsExpired(emulator.Time.GetUtcNow()))
        {
            return Error(emulator, path, null, grant.ClientId, 401, "expired_token", "The access token provided has expired.");
        }

        var portal = grant.Portal;
        emulator.LogOAuth(new OAuthLogEntry(path, null, grant.ClientId, 200, null));
        var now = emulator.Time.GetUtcNow();
        return Results.Json(new JsonObject
        {
            ["result"] = new JsonObject
            {
                ["client_id"] = grant.ClientId,
                ["scope"] = portal.App.Scope,
                ["expires"] = grant.ExpiresAt.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
                ["user_id"] = grant.UserId,
                ["install"] = new JsonObject
                {
                    ["installed"] = portal.App.InstallFinished,
                    ["version"] = 1,
                    ["status"] = portal.LicenseStatus,
                    ["scope"] = portal.App.Scope,
                    ["domain"] = portal.Domain,
                    ["uri"] = $"http://{portal.Domain}",
                    ["client_endpoint"] = portal.ClientEndpoint,
                    ["member_id"] = portal.MemberId,
                    ["member_type"] = "PORTAL",
                },
            },
            ["time"] = new JsonObject
            {
                ["start"] = now.ToUnixTimeMilliseconds() / 1000.0,
                ["finish"] = now.ToUnixTimeMilliseconds() / 1000.0,
                ["duration"] = 0.0,
                ["date_start"] = now.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
                ["date_finish"] = now.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            },
        });
    }

    internal static bool FixedTimeEquals(string expected, string? actual) =>
        actual is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(actual));
}
