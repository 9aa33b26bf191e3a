namespace Mailbox;

/// <summary>
/// The <c>RunAsync</c> requests that were accepted and not yet started, so that an Immediate stop (or a stop timeout) can
/// end exactly their tasks without scanning the data lane. Added by the sender, removed by the loop at start: a
/// <see cref="CoroutineList"/> under a lock, O(1) both ways and without allocation.
/// </summary>
internal sealed class QueuedRequests
{
    /// <summary>Guards <see cref="_list"/>.</summary>
    private readonly Lock _sync = new();

    /// <summary>The queued requests.</summary>
    private readonly CoroutineList _list = new();

    public void Add(CoroutineRequest request)
    {
        lock (_sync)
        {
            _list.Add(request);
        }
    }

    public void Remove(CoroutineRequest request)
    {
        lock (_sync)
        {
            _list.Remove(request);
        }
    }

    /// <summary>Empties the registry and returns what was in it.</summary>
    public List<CoroutineRequest> TakeAll()
    {
        lock (_sync)
        {
            return _list.TakeAll();
        }
    }
}
