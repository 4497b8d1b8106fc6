<?php

/* Local configuration for Roundcube Webmail, installed into mailcow's php-fpm container.
   See config/defaults.inc.php for the full list of options. */

$config = [];

// Database connection string (DSN) for read+write operations
$config['db_dsnw'] = 'mysql://roundcube:secret@mysql/roundcubemail';

# IMAP goes to dovecot with STARTTLS; the certificate is issued for the public name
$config['imap_host'] = 'tls://dovecot:143';
$config['smtp_host'] = "tls://postfix:587";
$config['support_url'] = '';
$config['des_key'] = 'x7/Kf\'3"rnd;key';
$config['plugins'] = array('archive', 'zipdownload', 'managesieve', 'password');

$config['imap_conn_options'] = array(
  'ssl' => array(
    'verify_peer'       => false,   // the internal name never matches the certificate
    'verify_peer_name'  => false,
    'allow_self_signed' => true,
  ),
);
$config['smtp_conn_options'] = $config['imap_conn_options'];
$config['managesieve_host'] = 'dovecot:4190';
