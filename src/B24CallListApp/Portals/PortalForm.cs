using Microsoft.AspNetCore.Http.Features;

namespace B24CallListApp.Portals;

/// <summary>
/// Reads the form body of a portal POST (install, open, event). The body of these endpoints is capped
/// (<see cref="PortalPostOptions.MaxBodyBytes"/>): a real one is a few hundred bytes.
/// </summary>
public static class PortalForm
{
    /// <summary>The form, or the HTTP status that says why there is none (415, 413 or 400).</summary>
    public static async Task<(IFormCollection? Form, int Status)> ReadAsync(HttpRequest request, long maxBodyBytes, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return (null, StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength > maxBodyBytes)
        {
            return (null, StatusCodes.Status413PayloadTooLarge);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBodyBytes;
        }

        try
        {
            var options = new FormOptions { ValueLengthLimit = (int)maxBodyBytes, KeyLengthLimit = 256, ValueCountLimit = 200, MultipartBodyLengthLimit = maxBodyBytes };
            var form = await request.ReadFormAsync(options, ct);
            return (form, StatusCodes.Status200OK);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, StatusCodes.Status413PayloadTooLarge);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, StatusCodes.Status400BadRequest);
        }
    }
}
