// The two sorts GEORADIUS/GEOSEARCH results go through in Redis 7.0, reproduced step for step:
// equal distances (and NaN ones, which the comparator orders inconsistently) come out in
// whatever order the algorithm leaves them, and that order is part of the reply.
//  - all results wanted: libc qsort, which glibc runs as a top-down merge sort (msort.c);
//  - COUNT fewer than found: Redis's pqsort.c (NetBSD's Bentley-McIlroy quicksort that only
//    recurses into partitions overlapping the requested range), in 7.0's form: without the
//    switch to insertion sort when a partition pass swapped nothing.

public enum GeoSort {
    /// glibc's msort_with_tmp: halves n/2 and n - n/2, merged taking the left element while
    /// `compare(left, right) <= 0`.
    public static func mergeSort<T>(_ items: inout [T], _ compare: (T, T) -> Int) {
        if items.count <= 1 { return }
        var scratch = items
        items.withUnsafeMutableBufferPointer { buffer in
            scratch.withUnsafeMutableBufferPointer { temporary in
                mergeSort(buffer, 0, buffer.count, temporary, compare)
            }
        }
    }

    private static func mergeSort<T>(_ b: UnsafeMutableBufferPointer<T>, _ start: Int, _ n: Int,
                                     _ tmp: UnsafeMutableBufferPointer<T>, _ compare: (T, T) -> Int) {
        if n <= 1 { return }
        var n1 = n / 2
        var n2 = n - n1
        mergeSort(b, start, n1, tmp, compare)
        mergeSort(b, start + n1, n2, tmp, compare)
        var b1 = start
        var b2 = start + n1
        var out = 0
        while n1 > 0 && n2 > 0 {
            if compare(b[b1], b[b2]) <= 0 {
                tmp[out] = b[b1]
                b1 += 1
                n1 -= 1
            } else {
                tmp[out] = b[b2]
                b2 += 1
                n2 -= 1
            }
            out += 1
        }
        while n1 > 0 {
            tmp[out] = b[b1]
            b1 += 1
            n1 -= 1
            out += 1
        }
        for index in 0..<(n - n2) { b[start + index] = tmp[index] }
    }

    /// pqsort(a, n, cmp, lrange, rrange): elements lrange...rrange end up where a full sort
    /// would put them.
    public static func partialSort<T>(_ items: inout [T], from lower: Int, through upper: Int, _ compare: (T, T) -> Int) {
        items.withUnsafeMutableBufferPointer { buffer in
            pqsort(buffer, 0, buffer.count, lower, upper, compare)
        }
    }

    @inline(__always)
    private static func med3<T>(_ a: UnsafeMutableBufferPointer<T>, _ x: Int, _ y: Int, _ z: Int,
                                _ compare: (T, T) -> Int) -> Int {
        compare(a[x], a[y]) < 0
            ? (compare(a[y], a[z]) < 0 ? y : (compare(a[x], a[z]) < 0 ? z : x))
            : (compare(a[y], a[z]) > 0 ? y : (compare(a[x], a[z]) < 0 ? x : z))
    }

    @inline(__always)
    private static func vecswap<T>(_ a: UnsafeMutableBufferPointer<T>, _ x: Int, _ y: Int, _ n: Int) {
        var index = 0
        while index < n {
            a.swapAt(x + index, y + index)
            index += 1
        }
    }

    private static func insertionSort<T>(_ a: UnsafeMutableBufferPointer<T>, _ base: Int, _ n: Int,
                                         _ compare: (T, T) -> Int) {
        var pm = base + 1
        while pm < base + n {
            var pl = pm
            while pl > base && compare(a[pl - 1], a[pl]) > 0 {
                a.swapAt(pl, pl - 1)
                pl -= 1
            }
            pm += 1
        }
    }

    /// _pqsort with positions in elements instead of bytes: a partition [s, s + k) is sorted only
    /// when it overlaps [lower, upper].
    private static func pqsort<T>(_ a: UnsafeMutableBufferPointer<T>, _ start: Int, _ count: Int,
                                  _ lower: Int, _ upper: Int, _ compare: (T, T) -> Int) {
        var base = start
        var n = count
        while true {
            if n < 7 {
                insertionSort(a, base, n, compare)
                return
            }
            var pm = base + n / 2
            if n > 7 {
                var pl = base
                var pn = base + n - 1
                if n > 40 {
                    let d = n / 8
                    pl = med3(a, pl, pl + d, pl + 2 * d, compare)
                    pm = med3(a, pm - d, pm, pm + d, compare)
                    pn = med3(a, pn - 2 * d, pn - d, pn, compare)
                }
                pm = med3(a, pl, pm, pn, compare)
            }
            a.swapAt(base, pm)
            var pa = base + 1
            var pb = pa
            var pc = base + n - 1
            var pd = pc
            while true {
                while pb <= pc {
                    let result = compare(a[pb], a[base])
                    if result > 0 { break }
                    if result == 0 {
                        a.swapAt(pa, pb)
                        pa += 1
                    }
                    pb += 1
                }
                while pb <= pc {
                    let result = compare(a[pc], a[base])
                    if result < 0 { break }
                    if result == 0 {
                        a.swapAt(pc, pd)
                        pd -= 1
                    }
                    pc -= 1
                }
                if pb > pc { break }
                a.swapAt(pb, pc)
                pb += 1
                pc -= 1
            }
            let pn = base + n
            var r = Swift.min(pa - base, pb - pa)
            vecswap(a, base, pb - r, r)
            r = Swift.min(pd - pc, pn - pd - 1)
            vecswap(a, pb, pn - r, r)
            r = pb - pa
            if r > 1 {
                if !((lower < base && upper < base) || (lower >= base + r && upper >= base + r)) {
                    pqsort(a, base, r, lower, upper, compare)
                }
            }
            r = pd - pc
            if r > 1 {
                base = pn - r
                n = r
                if !((lower < base && upper < base) || (lower >= base + r && upper >= base + r)) { continue }
            }
            return
        }
    }
}
