using System.Collections.Concurrent;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// One async lock per key (a portal, an account, a call list), created on first use and dropped when
/// nobody holds or waits for it, so the number of locks follows what is in use, not what ever was.
/// </summary>
public sealed class KeyedLocks<TKey> where TKey : notnull
{
    readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    public async Task<IDisposable> EnterAsync(TKey key, CancellationToken ct)
    {
        while (true)
        {
            var entry = _entries.GetOrAdd(key, _ => new Entry());
            lock (entry)
            {
                if (entry.Retired)
                {
                    continue;
                }

                entry.Users++;
            }

            try
            {
                await entry.Gate.WaitAsync(ct);
            }
            catch
            {
                Leave(key, entry);
                throw;
            }

            return new Turn(this, key, entry);
        }
    }

    void Leave(TKey key, Entry entry)
    {
        lock (entry)
        {
            if (--entry.Users == 0)
            {
                entry.Retired = true;
                _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
            }
        }
    }

    sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
        public bool Retired;
    }

    sealed class Turn(KeyedLocks<TKey> owner, TKey key, Entry entry) : IDisposable
    {
        int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                entry.Gate.Release();
                owner.Leave(key, entry);
            }
        }
    }
}
