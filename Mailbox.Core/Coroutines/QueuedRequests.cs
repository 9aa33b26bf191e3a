namespace Mailbox;

/// <summary>
/// The <c>RunAsync</c> requests that were accepted and not yet started, so that an Immediate stop (or a stop timeout) can
/// end exactly their tasks without scanning the data lane. Added by the sender, removed by the loop at start: a
/// <see cref="CoroutineList"/> under a lock, O(1) both ways and without allocation.
/// </summary>
/// <remarks>The lock is the list object itself: a <see cref="Lock"/> of its own would be one more object in every loop of a group.</remarks>
internal sealed class QueuedRequests
{
    /// <summary>The queued requests; also the lock that guards them.</summary>
    private readonly CoroutineList _list = new();

    public void Add(CoroutineRequest request)
    {
        lock (_list)
        {
            _list.Add(request);
        }
    }

    public void Remove(CoroutineRequest request)
    {
        lock (_list)
        {
            _list.Remove(request);
        }
    }

    /// <summary>Empties the registry and returns what was in it.</summary>
    public List<CoroutineRequest> TakeAll()
    {
        lock (_list)
        {
            return _list.TakeAll();
        }
    }
}
