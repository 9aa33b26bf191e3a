namespace Mailbox;

/// <summary>
/// An intrusive doubly-linked list of <see cref="CoroutineRequest"/>s through their <see cref="CoroutineRequest.Previous"/>
/// and <see cref="CoroutineRequest.Next"/> links: O(1) add and remove, no allocation. Not thread-safe; its owner guards it
/// (a lock for <see cref="QueuedRequests"/>, the loop thread for the live list). A request is in at most one list at a time.
/// </summary>
internal sealed class CoroutineList
{
    /// <summary>The most recently added request.</summary>
    private CoroutineRequest? _head;

    /// <summary>How many requests are in the list; written by the owner, read racily by reports.</summary>
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(CoroutineRequest request)
    {
        request.Previous = null;
        request.Next = _head;
        if (_head is not null)
        {
            _head.Previous = request;
        }

        _head = request;
        _count++;
    }

    /// <summary>Removes <paramref name="request"/>; nothing if it is not in the list (a request leaves both lists once, but the loop asks the registry at every start).</summary>
    public void Remove(CoroutineRequest request)
    {
        if (request.Previous is null && !ReferenceEquals(_head, request))
        {
            return; // not here: unlinking it would make its successor the head
        }

        if (request.Previous is not null)
        {
            request.Previous.Next = request.Next;
        }
        else
        {
            _head = request.Next;
        }

        if (request.Next is not null)
        {
            request.Next.Previous = request.Previous;
        }

        request.Previous = request.Next = null;
        _count--;
    }

    /// <summary>A copy of the members, so the caller may change the list while it walks them.</summary>
    public List<CoroutineRequest> ToList()
    {
        var all = new List<CoroutineRequest>(_count);
        for (var r = _head; r is not null; r = r.Next)
        {
            all.Add(r);
        }

        return all;
    }

    /// <summary>Empties the list and returns what was in it.</summary>
    public List<CoroutineRequest> TakeAll()
    {
        var all = ToList();
        foreach (var r in all)
        {
            r.Previous = r.Next = null;
        }

        _head = null;
        _count = 0;
        return all;
    }
}
