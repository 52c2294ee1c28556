"""RTC6xx — ESS Helm values and Kubernetes objects.

Facts from element-hq/ess-helm (charts/matrix-stack, snapshot 83c79817, 2026-08-21):
`matrixRTC.enabled`, `wellKnownDelegation.enabled` and `synapse.enabled` default to true
(values.yaml); the well-known ingress serves `serverName` (templates/well-known/
ingress.yaml); the client well-known is `additional.client` merged UNDER the chart's own
`m.homeserver` and `rtc_foci`, which are `https://<host>` with no port
(templates/well-known/_helpers.tpl, `mustMergeOverwrite $additional $config`).

For the Kubernetes objects (RTC602, RTC603): the chart exposes the Matrix RTC SFU on
NodePorts 30881 (TCP) and 30882 (UDP) before 26.3.0 and on 30001 (TCP) / 30002 (UDP) from
26.3.0 on. A Kubernetes Service sends traffic to `targetPort` (a number, or the name of
a container port; absent: the same as `port`) on the pods its `selector` matches.
"""
