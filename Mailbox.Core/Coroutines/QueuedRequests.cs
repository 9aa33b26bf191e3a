namespace Mailbox;

/// <summary>
/// The <c>RunAsync</c> requests that were accepted and not yet started, so that an Immediate stop (or a stop timeout) can
/// end exactly their tasks without scanning the data lane. Added by the sender, removed by the loop at start: a
/// <see cref="CoroutineList"/> under a lock, O(1) both ways and without allocation.
/// </summary>
/// <remarks>The lock is the list object itself, and this wrapper a struct: a <see cref="Lock"/> and a wrapper object of their own would be two more objects in every loop of a group.</remarks>
internal readonly struct QueuedRequests
{
    /// <summary>The queued requests; also the lock that guards them.</summary>
    private readonly CoroutineList _list;

    public QueuedRequests() => _list = new CoroutineList();

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
