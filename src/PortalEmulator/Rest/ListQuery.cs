using System.Globalization;
using System.Text.Json.Nodes;

namespace PortalEmulator.Rest;

/// <summary>
/// The <c>select</c>/<c>filter</c>/<c>order</c>/<c>start</c> conventions shared by Bitrix24's list methods,
/// applied to rows that are dictionaries of field name to text value.
/// </summary>
public static class ListQuery
{
    public const int PageSize = 50;

    /// <summary>The portal's time zone: dates it gives carry it, and a date filtered without a zone is read in it.</summary>
    public static readonly TimeSpan PortalOffset = TimeSpan.FromHours(3);

    static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:sszzz", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffzzz", "yyyy-MM-ddTHH:mm:ss.fffZ"];

    static readonly string[] Operators = [">=", "<=", "!@", "=%", "!=", ">", "<", "@", "%", "=", "!"];

    public static IEnumerable<T> Filter<T>(IEnumerable<T> rows, JsonObject filter, Func<T, string, IReadOnlyList<string?>> valuesOf)
    {
        var conditions = filter.Select(p => Parse(p.Key, p.Value)).ToList();
        return rows.Where(row => conditions.All(c => c.Matches(valuesOf(row, c.Field))));
    }

    public static IEnumerable<T> Order<T>(IEnumerable<T> rows, JsonObject order, Func<T, string, string?> valueOf, string defaultField = "ID")
    {
        var keys = order.Count == 0
            ? [(defaultField, true)]
            : order.Select(p => (p.Key.ToUpperInvariant(), !string.Equals(RestCall.AsString(p.Value), "DESC", StringComparison.OrdinalIgnoreCase))).ToList();
        IOrderedEnumerable<T>? sorted = null;
        foreach (var (field, ascending) in keys)
        {
            var f = field;
            Func<T, SortKey> key = row => new SortKey(valueOf(row, f));
            sorted = sorted is null
                ? ascending ? rows.OrderBy(key) : rows.OrderByDescending(key)
                : ascending ? sorted.ThenBy(key) : sorted.ThenByDescending(key);
        }

        return sorted ?? rows;
    }

    /// <summary><c>start</c>: an offset; <c>-1</c> means "first page, do not count".</summary>
    public static (List<T> Page, int? Total, int? Next) Page<T>(IReadOnlyList<T> rows, int? start, bool withTotal)
    {
        var offset = Math.Max(0, start ?? 0);
        var page = rows.Skip(offset).Take(PageSize).ToList();
        if (!withTotal || start == -1)
        {
            return (page, null, null);
        }

        int? next = offset + PageSize < rows.Count ? offset + PageSize : null;
        return (page, rows.Count, next);
    }

    sealed record Condition(string Field, string Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyList<string?> actual)
        {
            var negate = Op is "!" or "!=" or "!@";
            bool any;
            if (Values.Count == 0)
            {
                any = actual.Any(string.IsNullOrEmpty) || actual.Count == 0;
            }
            else
            {
                any = actual.Any(a => Values.Any(v => Compare(a, v)));
                if (actual.Count == 0)
                {
                    any = Values.Any(v => Compare(null, v));
                }
            }

            return negate ? !any : any;
        }

        bool Compare(string? actual, string expected)
        {
            var op = Op.TrimStart('!');
            switch (op)
            {
                case "%":
                    return actual is not null && actual.Contains(expected, StringComparison.OrdinalIgnoreCase);
                case "=%":
                    return actual is not null && Like(actual, expected);
                case ">=" or "<=" or ">" or "<":
                    if (actual is null)
                    {
                        return false;
                    }

                    var c = new SortKey(actual).CompareTo(new SortKey(expected));
                    return op switch { ">=" => c >= 0, "<=" => c <= 0, ">" => c > 0, _ => c < 0 };
                default:
                    return string.Equals(actual ?? "", expected, StringComparison.OrdinalIgnoreCase);
            }
        }

        static bool Like(string actual, string pattern)
        {
            var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$";
            return System.Text.RegularExpressions.Regex.IsMatch(actual, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        }
    }

    static Condition Parse(string key, JsonNode? value)
    {
        var op = Operators.FirstOrDefault(o => key.StartsWith(o, StringComparison.Ordinal)) ?? "";
        var field = key[op.Length..].ToUpperInvariant();
        var values = value switch
        {
            JsonArray array => array.Select(RestCall.AsString).OfType<string>().ToList(),
            JsonObject obj => obj.Select(p => RestCall.AsString(p.Value)).OfType<string>().ToList(),
            null => [],
            _ => RestCall.AsString(value) is { } s ? [s] : [],
        };
        return new Condition(field, op, values);
    }

    /// <summary>An ISO 8601 date or date and time; without a zone it is the portal's local time.</summary>
    static bool TryDate(string? value, out DateTimeOffset date)
    {
        date = default;
        if (value is null || !DateTimeOffset.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        var zoned = value.EndsWith('Z') || (value.Length > 19 && value[19..].Contains('+')) || (value.Length > 19 && value[19..].Contains('-'));
        date = zoned ? parsed : new DateTimeOffset(parsed.DateTime, PortalOffset);
        return true;
    }

    /// <summary>Numbers compare as numbers, dates as instants, everything else as text.</summary>
    readonly record struct SortKey(string? Value) : IComparable<SortKey>
    {
        public int CompareTo(SortKey other)
        {
            if (decimal.TryParse(Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var a) &&
                decimal.TryParse(other.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var b))
            {
                return a.CompareTo(b);
            }

            if (TryDate(Value, out var x) && TryDate(other.Value, out var y))
            {
                return x.CompareTo(y);
            }

            return string.Compare(Value, other.Value, StringComparison.OrdinalIgnoreCase);
        }
    }
}
