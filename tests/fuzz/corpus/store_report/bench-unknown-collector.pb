
×2YäáËcf<ô×<L	emit-hostnode-000999"0.1.0(0Çý­¼ 4:
container_runtimeü©ñÒMb`?:
daemon_configú~j¼t“h?:
file_permissionsü©ñÒMbp?:
group_membership{®Gázt?:
hostú~j¼t“x?:
	image_ageyé&1¬|?BL
1.1.1host"31.1.1 on host: observed value as recommended (pass)*nosuchBV
1.1.2host"31.1.2 on host: observed value as recommended (pass)*group_membershipBV
1.1.3host"?1.1.3 on host: observed value differs from the benchmark (fail)*hostBJ
1.1.4host"31.1.4 on host: observed value as recommended (pass)*hostBJ
1.1.5host"31.1.5 on host: observed value as recommended (pass)*hostBJ
1.1.6host"31.1.6 on host: observed value as recommended (pass)*hostBV
1.1.7host"?1.1.7 on host: observed value differs from the benchmark (fail)*hostBV
1.1.8host"?1.1.8 on host: observed value differs from the benchmark (fail)*hostBJ
1.1.9host"31.1.9 on host: observed value as recommended (pass)*hostBX
1.1.10host"@1.1.10 on host: observed value differs from the benchmark (fail)*hostBX
1.1.11host"@1.1.11 on host: observed value differs from the benchmark (fail)*hostBL
1.1.12host"41.1.12 on host: observed value as recommended (pass)*hostBL
1.1.13host"41.1.13 on host: observed value as recommended (pass)*hostBL
1.1.14host"41.1.14 on host: observed value as recommended (pass)*hostBL
1.1.15host"41.1.15 on host: observed value as recommended (pass)*hostBL
1.1.16host"41.1.16 on host: observed value as recommended (pass)*hostBL
1.1.17host"41.1.17 on host: observed value as recommended (pass)*hostBL
1.1.18host"41.1.18 on host: observed value as recommended (pass)*hostBV
1.2.1host"?1.2.1 on host: observed value differs from the benchmark (fail)*hostBV
1.2.2host"?1.2.2 on host: observed value differs from the benchmark (fail)*hostBO
2.1host"12.1 on host: observed value as recommended (pass)*daemon_configB[
2.2host"=2.2 on host: observed value differs from the benchmark (fail)*daemon_configBO
2.3host"12.3 on host: observed value as recommended (pass)*daemon_configB[
2.4host"=2.4 on host: observed value differs from the benchmark (warn)*daemon_configBO
2.5host"12.5 on host: observed value as recommended (pass)*daemon_configBO
2.6host"12.6 on host: observed value as recommended (pass)*daemon_configB[
2.7host"=2.7 on host: observed value differs from the benchmark (fail)*daemon_configBO
2.8host"12.8 on host: observed value as recommended (pass)*daemon_configB[
2.9host"=2.9 on host: observed value differs from the benchmark (fail)*daemon_configB]
2.10host">2.10 on host: observed value differs from the benchmark (warn)*daemon_configBQ
2.11host"22.11 on host: observed value as recommended (pass)*daemon_configBQ
2.12host"22.12 on host: observed value as recommended (pass)*daemon_configBQ
2.13host"22.13 on host: observed value as recommended (pass)*daemon_configBQ
2.14host"22.14 on host: observed value as recommended (pass)*daemon_configB]
2.15host">2.15 on host: observed value differs from the benchmark (skip)*daemon_configBQ
2.16host"22.16 on host: observed value as recommended (pass)*daemon_configBž
3.1*file/usr/lib/systemd/system/docker.service"W3.1 on file/usr/lib/systemd/system/docker.service: observed value as recommended (pass)*file_permissionsBª
3.2*file/usr/lib/systemd/system/docker.service"c3.2 on file/usr/lib/systemd/system/docker.service: observed value differs from the benchmark (fail)*file_permissionsBœ
3.3)file/usr/lib/systemd/system/docker.socket"V3.3 on file/usr/lib/systemd/system/docker.socket: observed value as recommended (pass)*file_permissionsB¨
3.4)file/usr/lib/systemd/system/docker.socket"b3.4 on file/usr/lib/systemd/system/docker.socket: observed value differs from the benchmark (fail)*file_permissionsBt
3.5file/etc/docker"H3.5 on file/etc/docker: observed value differs from the benchmark (fail)*file_permissionsBh
3.6file/etc/docker"<3.6 on file/etc/docker: observed value as recommended (pass)*file_permissionsBx
3.7file/etc/docker/certs.d"D3.7 on file/etc/docker/certs.d: observed value as recommended (pass)*file_permissionsB¤
3.8-file/etc/docker/certs.d/registry.local/ca.crt"Z3.8 on file/etc/docker/certs.d/registry.local/ca.crt: observed value as recommended (pass)*file_permissionsBv
3.9file/etc/docker/ca.pem"C3.9 on file/etc/docker/ca.pem: observed value as recommended (pass)*file_permissionsBx
3.10file/etc/docker/ca.pem"D3.10 on file/etc/docker/ca.pem: observed value as recommended (pass)*file_permissionsB–
3.11file/etc/docker/server-cert.pem"Y3.11 on file/etc/docker/server-cert.pem: observed value differs from the benchmark (skip)*file_permissionsBŠ
3.12file/etc/docker/server-cert.pem"M3.12 on file/etc/docker/server-cert.pem: observed value as recommended (pass)*file_permissionsBˆ
3.13file/etc/docker/server-key.pem"L3.13 on file/etc/docker/server-key.pem: observed value as recommended (pass)*file_permissionsBˆ
3.14file/etc/docker/server-key.pem"L3.14 on file/etc/docker/server-key.pem: observed value as recommended (pass)*file_permissionsBt
3.15file/run/docker.sock"B3.15 on file/run/docker.sock: observed value as recommended (pass)*file_permissionsB€
3.16file/run/docker.sock"N3.16 on file/run/docker.sock: observed value differs from the benchmark (skip)*file_permissionsB‚
3.17file/etc/docker/daemon.json"I3.17 on file/etc/docker/daemon.json: observed value as recommended (pass)*file_permissionsB‚
3.18file/etc/docker/daemon.json"I3.18 on file/etc/docker/daemon.json: observed value as recommended (pass)*file_permissionsB†
3.19file/etc/default/docker"Q3.19 on file/etc/default/docker: observed value differs from the benchmark (fail)*file_permissionsB†
3.20file/etc/default/docker"Q3.20 on file/etc/default/docker: observed value differs from the benchmark (fail)*file_permissionsB~
3.21file/etc/sysconfig/docker"G3.21 on file/etc/sysconfig/docker: observed value as recommended (pass)*file_permissionsB~
3.22file/etc/sysconfig/docker"G3.22 on file/etc/sysconfig/docker: observed value as recommended (pass)*file_permissionsB’
3.23#file/run/containerd/containerd.sock"Q3.23 on file/run/containerd/containerd.sock: observed value as recommended (pass)*file_permissionsB’
3.24#file/run/containerd/containerd.sock"Q3.24 on file/run/containerd/containerd.sock: observed value as recommended (pass)*file_permissionsBq
4.1image/nginx:1.25-alpine"D4.1 on image/nginx:1.25-alpine: observed value as recommended (pass)*	image_ageB‡
4.1"image/registry.local/api:2026.11.3"O4.1 on image/registry.local/api:2026.11.3: observed value as recommended (pass)*	image_ageBi
4.1image/postgres:16.4"@4.1 on image/postgres:16.4: observed value as recommended (pass)*	image_ageB}
4.6image/nginx:1.25-alpine"P4.6 on image/nginx:1.25-alpine: observed value differs from the benchmark (fail)*	image_ageB“
4.6"image/registry.local/api:2026.11.3"[4.6 on image/registry.local/api:2026.11.3: observed value differs from the benchmark (fail)*	image_ageBi
4.6image/postgres:16.4"@4.6 on image/postgres:16.4: observed value as recommended (pass)*	image_ageBq
4.7image/nginx:1.25-alpine"D4.7 on image/nginx:1.25-alpine: observed value as recommended (pass)*	image_ageB‡
4.7"image/registry.local/api:2026.11.3"O4.7 on image/registry.local/api:2026.11.3: observed value as recommended (pass)*	image_ageBi
4.7image/postgres:16.4"@4.7 on image/postgres:16.4: observed value as recommended (pass)*	image_ageB
dockward.image_ageimage/nginx:1.25-alpine"Sdockward.image_age on image/nginx:1.25-alpine: observed value as recommended (pass)*	image_ageB¥
dockward.image_age"image/registry.local/api:2026.11.3"^dockward.image_age on image/registry.local/api:2026.11.3: observed value as recommended (pass)*	image_ageB“
dockward.image_ageimage/postgres:16.4"[dockward.image_age on image/postgres:16.4: observed value differs from the benchmark (warn)*	image_ageB©
dockward.image_in_use_ageimage/nginx:1.25-alpine"fdockward.image_in_use_age on image/nginx:1.25-alpine: observed value differs from the benchmark (fail)*	image_ageB³
dockward.image_in_use_age"image/registry.local/api:2026.11.3"edockward.image_in_use_age on image/registry.local/api:2026.11.3: observed value as recommended (pass)*	image_ageB•
dockward.image_in_use_ageimage/postgres:16.4"Vdockward.image_in_use_age on image/postgres:16.4: observed value as recommended (pass)*	image_ageBƒ
5.1container/web-frontend"O5.1 on container/web-frontend: observed value differs from the benchmark (skip)*container_runtimeBu
5.1container/api-backend"B5.1 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.1container/postgres-primary"G5.1 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBw
5.2container/web-frontend"C5.2 on container/web-frontend: observed value as recommended (pass)*container_runtimeBu
5.2container/api-backend"B5.2 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.2container/postgres-primary"G5.2 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBƒ
5.3container/web-frontend"O5.3 on container/web-frontend: observed value differs from the benchmark (warn)*container_runtimeBu
5.3container/api-backend"B5.3 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.3container/postgres-primary"G5.3 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBw
5.4container/web-frontend"C5.4 on container/web-frontend: observed value as recommended (pass)*container_runtimeBu
5.4container/api-backend"B5.4 on container/api-backend: observed value as recommended (pass)*container_runtimeB‹
5.4container/postgres-primary"S5.4 on container/postgres-primary: observed value differs from the benchmark (fail)*container_runtimeBw
5.5container/web-frontend"C5.5 on container/web-frontend: observed value as recommended (pass)*container_runtimeBu
5.5container/api-backend"B5.5 on container/api-backend: observed value as recommended (pass)*container_runtimeB‹
5.5container/postgres-primary"S5.5 on container/postgres-primary: observed value differs from the benchmark (warn)*container_runtimeBƒ
5.6container/web-frontend"O5.6 on container/web-frontend: observed value differs from the benchmark (skip)*container_runtimeBu
5.6container/api-backend"B5.6 on container/api-backend: observed value as recommended (pass)*container_runtimeB‹
5.6container/postgres-primary"S5.6 on container/postgres-primary: observed value differs from the benchmark (fail)*container_runtimeBw
5.7container/web-frontend"C5.7 on container/web-frontend: observed value as recommended (pass)*container_runtimeB
5.7container/api-backend"N5.7 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB
5.7container/postgres-primary"G5.7 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBw
5.8container/web-frontend"C5.8 on container/web-frontend: observed value as recommended (pass)*container_runtimeB
5.8container/api-backend"N5.8 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB‹
5.8container/postgres-primary"S5.8 on container/postgres-primary: observed value differs from the benchmark (skip)*container_runtimeBƒ
5.9container/web-frontend"O5.9 on container/web-frontend: observed value differs from the benchmark (fail)*container_runtimeBu
5.9container/api-backend"B5.9 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.9container/postgres-primary"G5.9 on container/postgres-primary: observed value as recommended (pass)*container_runtimeB…
5.10container/web-frontend"P5.10 on container/web-frontend: observed value differs from the benchmark (warn)*container_runtimeBƒ
5.10container/api-backend"O5.10 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB
5.10container/postgres-primary"H5.10 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.11container/web-frontend"D5.11 on container/web-frontend: observed value as recommended (pass)*container_runtimeBƒ
5.11container/api-backend"O5.11 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB
5.11container/postgres-primary"H5.11 on container/postgres-primary: observed value as recommended (pass)*container_runtimeB…
5.12container/web-frontend"P5.12 on container/web-frontend: observed value differs from the benchmark (fail)*container_runtimeBw
5.12container/api-backend"C5.12 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.12container/postgres-primary"T5.12 on container/postgres-primary: observed value differs from the benchmark (fail)*container_runtimeBy
5.13container/web-frontend"D5.13 on container/web-frontend: observed value as recommended (pass)*container_runtimeBƒ
5.13container/api-backend"O5.13 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB
5.13container/postgres-primary"H5.13 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.14container/web-frontend"D5.14 on container/web-frontend: observed value as recommended (pass)*container_runtimeBƒ
5.14container/api-backend"O5.14 on container/api-backend: observed value differs from the benchmark (warn)*container_runtimeB
5.14container/postgres-primary"T5.14 on container/postgres-primary: observed value differs from the benchmark (fail)*container_runtimeB…
5.15container/web-frontend"P5.15 on container/web-frontend: observed value differs from the benchmark (warn)*container_runtimeBw
5.15container/api-backend"C5.15 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.15container/postgres-primary"H5.15 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.16container/web-frontend"D5.16 on container/web-frontend: observed value as recommended (pass)*container_runtimeBƒ
5.16container/api-backend"O5.16 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB
5.16container/postgres-primary"T5.16 on container/postgres-primary: observed value differs from the benchmark (fail)*container_runtimeBy
5.17container/web-frontend"D5.17 on container/web-frontend: observed value as recommended (pass)*container_runtimeBw
5.17container/api-backend"C5.17 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.17container/postgres-primary"H5.17 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.18container/web-frontend"D5.18 on container/web-frontend: observed value as recommended (pass)*container_runtimeBƒ
5.18container/api-backend"O5.18 on container/api-backend: observed value differs from the benchmark (skip)*container_runtimeB
5.18container/postgres-primary"H5.18 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.19container/web-frontend"D5.19 on container/web-frontend: observed value as recommended (pass)*container_runtimeBƒ
5.19container/api-backend"O5.19 on container/api-backend: observed value differs from the benchmark (fail)*container_runtimeB
5.19container/postgres-primary"H5.19 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.20container/web-frontend"D5.20 on container/web-frontend: observed value as recommended (pass)*container_runtimeBw
5.20container/api-backend"C5.20 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.20container/postgres-primary"H5.20 on container/postgres-primary: observed value as recommended (pass)*container_runtimeB…
5.21container/web-frontend"P5.21 on container/web-frontend: observed value differs from the benchmark (warn)*container_runtimeB„
5.21container/api-backend"P5.21 on container/api-backend: observed value differs from the benchmark (error)*container_runtimeB
5.21container/postgres-primary"H5.21 on container/postgres-primary: observed value as recommended (pass)*container_runtimeB…
5.22container/web-frontend"P5.22 on container/web-frontend: observed value differs from the benchmark (fail)*container_runtimeBw
5.22container/api-backend"C5.22 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.22container/postgres-primary"H5.22 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.25container/web-frontend"D5.25 on container/web-frontend: observed value as recommended (pass)*container_runtimeBw
5.25container/api-backend"C5.25 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.25container/postgres-primary"H5.25 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.26container/web-frontend"D5.26 on container/web-frontend: observed value as recommended (pass)*container_runtimeBw
5.26container/api-backend"C5.26 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.26container/postgres-primary"H5.26 on container/postgres-primary: observed value as recommended (pass)*container_runtimeBy
5.31container/web-frontend"D5.31 on container/web-frontend: observed value as recommended (pass)*container_runtimeBw
5.31container/api-backend"C5.31 on container/api-backend: observed value as recommended (pass)*container_runtimeB
5.31container/postgres-primary"H5.31 on container/postgres-primary: observed value as recommended (pass)*container_runtimeJcis-docker-1.6.0